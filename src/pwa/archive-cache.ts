/**
 * The Cache Storage cache in which the service worker keeps earlier models' decoders
 * (/models/archive/<modelId>/…) once the app has fetched them for notes in the library. Shared by
 * the build (pwa-options.ts) and the page, which drops the models no note needs any more.
 */

/** Name of the runtime cache of archived decoders. */
export const ARCHIVE_CACHE_NAME = 'flexicodec-archived-models';

/** The archived files of one model: /models/archive/<8 hex digits>/…; group 1 is the model id. */
export const ARCHIVED_MODEL_PATH = /\/models\/archive\/([0-9a-f]{8})\//;
