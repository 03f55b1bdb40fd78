/** Where the element looks for models.json and the ONNX files when no `models` attribute says. */

/** The models folder relative to the built module (dist/lib/flexi-codec.js → dist/models/). */
const MODELS_DIR_FROM_MODULE = '../models/';

/** The default models folder URL, ending in '/'. */
export function defaultModelsUrl(): string {
  // The dev server serves this module from /src/component/; the models sit in public/, at the root.
  if (import.meta.env.DEV) return new URL(`${import.meta.env.BASE_URL}models/`, location.href).href;
  // A variable, not a literal, so the bundler leaves the URL to be resolved at run time.
  return new URL(MODELS_DIR_FROM_MODULE, import.meta.url).href;
}

/** An attribute's folder URL made absolute against the page, with the trailing '/' the loader needs. */
export function folderUrl(value: string): string {
  const url = new URL(value, document.baseURI);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url.href;
}
