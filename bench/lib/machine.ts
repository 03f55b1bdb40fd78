/** The machine a run measured on, and how busy it was (the results are only as quiet as the machine). */
import { cpus, loadavg, totalmem } from 'node:os';

/** Static facts about the machine. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
}

/** 1, 5 and 15 minute load averages at one moment, with the section that was about to run. */
export interface LoadSample {
  at: string;
  section: string;
  loadAverage: [number, number, number];
}

/** CPU, cores, memory, Node version. */
export function machineInfo(): MachineInfo {
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: totalmem() / 2 ** 30,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

/** The load average now, labelled. */
export function loadSample(section: string): LoadSample {
  const [a, b, c] = loadavg();
  return { at: new Date().toISOString(), section, loadAverage: [a, b, c] };
}
