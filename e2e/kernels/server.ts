/**
 * A Vite dev server of its own for the kernel page, without file watching or HMR: in a tree
 * others edit while tests run, a watched edit would reload the page in the middle of a test.
 */
import { createServer, type ViteDevServer } from 'vite';

/** The page's address under the server's root. */
export const KERNEL_PAGE_PATH = '/e2e/kernels/index.html';

/** A running server and its page URL. */
export interface KernelServer {
  pageUrl: string;
  close(): Promise<void>;
}

/** Starts Vite on 127.0.0.1 at a free port with the project's vite.config.ts. */
export async function startKernelServer(): Promise<KernelServer> {
  const server: ViteDevServer = await createServer({
    configFile: 'vite.config.ts',
    logLevel: 'warn',
    server: { host: '127.0.0.1', port: 0, hmr: false, watch: null },
  });
  await server.listen();
  const base = server.resolvedUrls?.local[0];
  if (!base) throw new Error('vite: no local URL');
  return { pageUrl: new URL(KERNEL_PAGE_PATH, base).href, close: () => server.close() };
}
