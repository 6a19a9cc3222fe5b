// Lets Node run the TypeScript sources directly (Node strips the types):
// the sources import each other as `./x.js`, as the compiled output does,
// so a relative `.js` import that does not exist is resolved to its `.ts`.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (err) {
      if (specifier.startsWith('.') && specifier.endsWith('.js')) return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
      throw err;
    }
  },
});
