/**
 * Prints the build image's tag: the content hash of docker/build, the tag the local build path
 * pushes and the prebuilt path (FABLE_BUILD_IMAGE_TAG) must name. CI synthesizes with it, so
 * plans never include a Docker engine's local image state.
 */
import { BUILD_CONTEXT_DIR } from '../src/build-image/build-image';
import { buildContextHash } from '../src/build-image/context-hash';

process.stdout.write(`${buildContextHash(BUILD_CONTEXT_DIR)}\n`);
