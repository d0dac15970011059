/**
 * dict_env: `environ:name`, the process environment as a table (the
 * environment passed in by the caller, so a command sees its own).
 *
 * See: postfix/src/util/dict_env.c
 */
import { type Dict, lowercaseAscii } from './dict.ts';
import type { DictOpenContext } from './dict_context.ts';

export async function dictEnvOpen(ctx: DictOpenContext): Promise<Dict> {
  const env = ctx.env;
  return {
    type: ctx.type,
    name: ctx.name,
    fixed: true,
    // Postfix folds with lowercase(), ASCII only, whatever the UTF-8 setting.
    lookup: async (key) => env[ctx.flags.fold_fix ? lowercaseAscii(key) : key] ?? null,
  };
}
