/** Where each shell's generated script is checked in, under completions/. */
import type { Shell } from './scripts.js';

export const COMPLETION_FILES: Record<Shell, string> = {
  bash: 'openclaw.bash',
  zsh: '_openclaw',
  fish: 'openclaw.fish',
  powershell: 'openclaw.ps1',
};
