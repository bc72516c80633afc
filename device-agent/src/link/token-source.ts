import { readFile } from 'node:fs/promises';
import type { TokenSource } from '@topic-bridge/client';

/** Where the agent's bridge token comes from (`bridge.token` or `bridge.tokenFile`). */
export interface TokenSettings {
  token?: string | undefined;
  tokenFile?: string | undefined;
}

/**
 * The token for the link: the configured value, or a function that reads `tokenFile` again before every
 * connect and renewal, so that a token rotated on disk is used without restarting the agent. Undefined:
 * connect without a token. A file that cannot be read, or is empty, fails with a message naming it.
 */
export function bridgeTokenSource(
  settings: TokenSettings,
  read: (file: string) => Promise<string> = (file) => readFile(file, 'utf8'),
): TokenSource | undefined {
  const { token, tokenFile } = settings;
  if (token !== undefined) return token;
  if (tokenFile === undefined) return undefined;
  return async () => {
    let text: string;
    try {
      text = await read(tokenFile);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new Error(`cannot read bridge.tokenFile ${tokenFile} (${code})`);
    }
    const fileToken = text.trim();
    if (fileToken === '') throw new Error(`bridge.tokenFile ${tokenFile} is empty`);
    return fileToken;
  };
}
