/// <reference types="vite-plugin-pwa/vanillajs" />

/** The File Handling API's launch queue (Chromium): files the installed app was opened with. */
interface LaunchParams {
  readonly files: readonly FileSystemFileHandle[];
}

interface LaunchQueue {
  setConsumer(consumer: (params: LaunchParams) => void): void;
}

interface Window {
  readonly launchQueue?: LaunchQueue;
}
