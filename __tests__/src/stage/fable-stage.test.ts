import { testStage } from '../../helpers/stage';

describe('FableStage settings', () => {
  it('hands handlers the stage\'s name (the metrics\' Stage dimension) and its log level as setting bindings', () => {
    for (const name of ['dev', 'prod']) {
      const { stage } = testStage({ stage: name });
      expect(stage.resolve({ setting: 'stage' }, 'a test')).toEqual({ value: name, statements: [] });
      expect(stage.resolve({ setting: 'logLevel' }, 'a test')).toEqual({ value: stage.config.logLevel, statements: [] });
    }
  });

  it('names the stage fable-<stage>, the start of every resource name', () => {
    const { stage } = testStage({ stage: 'prod' });
    expect(stage.prefix).toBe('fable-prod');
    expect(stage.name('chat')).toBe('fable-prod-chat');
  });
});
