/** Where each shell's generated script is checked in, under completions/. */
import type { Shell } from './scripts.js';

export const COMPLETION_FILES: Record<Shell, string> = {
  bash: 'openclaw-telephony.bash',
  zsh: '_openclaw-telephony',
  fish: 'openclaw-telephony.fish',
  powershell: 'openclaw-telephony.ps1',
};
