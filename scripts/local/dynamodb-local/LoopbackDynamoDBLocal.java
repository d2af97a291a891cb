import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * DynamoDB Local for the tests, run in source-file mode next to DynamoDBLocal.jar: in memory, on
 * 127.0.0.1 only, on a port the system picks (printed as "LISTENING <port>"), and gone as soon as
 * the process that started it is gone, however it ended (its stdin reaches end of file).
 */
public final class LoopbackDynamoDBLocal {
  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(new String[] {"-inMemory", "-disableTelemetry"});
    // The command line binds every interface on a fixed port; the Jetty connector can do better.
    Field server = DynamoDBProxyServer.class.getDeclaredField("server");
    server.setAccessible(true);
    ServerConnector connector = (ServerConnector) ((Server) server.get(proxy)).getConnectors()[0];
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    proxy.start();
    System.out.println("LISTENING " + connector.getLocalPort());
    System.out.flush();
    while (System.in.read() != -1) {
      // Nothing is ever sent on stdin: it only tells when the parent is gone.
    }
    Runtime.getRuntime().halt(0);
  }
}
