/**
 * `tenant-guard completion bash|zsh`: shell completion made from the parser
 * itself (commands, flags, the choices of -o and the like, file names for
 * flags that take a file), so it cannot fall behind the flags.
 */
import { Argument, type Command, type Option } from 'commander';
import type { ActionWrapper, Io } from './args.js';

export const SHELLS = ['bash', 'zsh'] as const;
/** The names it is run as: the command, and the kubectl plugin's file. */
const NAMES = ['tenant-guard', 'kubectl-tenant_guard'];

interface FlagInfo {
  names: string[];
  description: string;
  takesValue: boolean;
  choices: readonly string[] | undefined;
  file: boolean;
}

function flagsOf(cmd: Command): FlagInfo[] {
  const own = cmd.options.filter((o: Option) => !o.hidden).map((o: Option) => ({
    names: [o.short, o.long].filter((n): n is string => n !== undefined),
    description: o.description,
    takesValue: o.required || o.optional,
    choices: o.argChoices,
    file: /<(file|path|dir)>/.test(o.flags),
  }));
  return [...own, { names: ['-h', '--help'], description: 'show help for the command', takesValue: false, choices: undefined, file: false }];
}

function visible(program: Command): Command[] {
  return program.commands.filter((c) => c.name() !== 'help');
}

export function bashCompletion(program: Command): string {
  const commands = [...visible(program).map((c) => c.name()), 'help'];
  const cases = visible(program).map((cmd) => {
    const flags = flagsOf(cmd);
    const valueCases = flags.filter((f) => f.takesValue).map((f) => {
      const reply = f.choices !== undefined ? `COMPREPLY=( $(compgen -W "${f.choices.join(' ')}" -- "$cur") )` : f.file ? 'COMPREPLY=( $(compgen -f -- "$cur") )' : 'COMPREPLY=()';
      return `        ${f.names.join('|')}) ${reply}; return ;;`;
    });
    const args = cmd.registeredArguments.flatMap((a: Argument) => a.argChoices ?? []);
    const words = [...flags.flatMap((f) => f.names), ...args];
    return [
      `    ${cmd.name()})`,
      ...(valueCases.length > 0 ? ['      case "$prev" in', ...valueCases, '      esac'] : []),
      `      COMPREPLY=( $(compgen -W "${words.join(' ')}" -- "$cur") ) ;;`,
    ].join('\n');
  });
  return `# bash completion for tenant-guard, made by \`tenant-guard completion bash\`.
# Load it with: source <(tenant-guard completion bash)
_tenant_guard() {
  local cur prev cmd i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  cmd=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      -*) ;;
      *) cmd="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  if [[ -z "$cmd" ]]; then
    COMPREPLY=( $(compgen -W "${commands.join(' ')} --help --version" -- "$cur") )
    return
  fi
  case "$cmd" in
${cases.join('\n')}
    help) COMPREPLY=( $(compgen -W "${commands.join(' ')}" -- "$cur") ) ;;
  esac
}
complete -o default -F _tenant_guard ${NAMES.join(' ')}
`;
}

/** Text safe inside a zsh _arguments description in single quotes. */
function zshText(s: string): string {
  return s.replace(/[[\]:]/g, ' ').replace(/'/g, "'\\''").replace(/\s+/g, ' ').trim();
}

export function zshCompletion(program: Command): string {
  const commands = visible(program).map((c) => `    '${c.name()}:${zshText(c.summary() || c.description())}'`);
  const cases = visible(program).map((cmd) => {
    const specs = flagsOf(cmd).flatMap((f) => f.names.map((n) => {
      const action = f.choices !== undefined ? `:value:(${f.choices.join(' ')})` : f.file ? ':file:_files' : f.takesValue ? ':value: ' : '';
      const takes = f.takesValue ? (n.startsWith('--') ? '=' : '+') : '';
      return `'*${n}${takes}[${zshText(f.description)}]${action}'`;
    }));
    const args = cmd.registeredArguments.map((a: Argument) => `'1:${a.name()}:(${(a.argChoices ?? []).join(' ')})'`);
    return `        ${cmd.name()}) _arguments ${[...specs, ...args].join(' ')} ;;`;
  });
  return `#compdef ${NAMES.join(' ')}
# zsh completion for tenant-guard, made by \`tenant-guard completion zsh\`.
# Load it with: source <(tenant-guard completion zsh), or save it as _tenant-guard in your $fpath.
_tenant_guard() {
  local -a commands
  commands=(
${commands.join('\n')}
  )
  local state
  _arguments -C '(- *)--version[print the version]' '(- *)'{-h,--help}'[show help]' '1: :->command' '*:: :->args'
  case $state in
    command) _describe 'command' commands ;;
    args)
      case $words[1] in
${cases.join('\n')}
        help) _describe 'command' commands ;;
      esac
      ;;
  esac
}
if [[ "\${funcstack[1]}" == "_tenant_guard" ]]; then
  _tenant_guard "$@"
else
  compdef _tenant_guard ${NAMES.join(' ')}
fi
`;
}

export function completionCommand(program: Command, io: Io, action: ActionWrapper): Command {
  return program.command('completion')
    .summary('print a shell completion script')
    .description('Print the completion script for bash or zsh. bash: source <(tenant-guard completion bash); zsh: source <(tenant-guard completion zsh).')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .action(action<object>('completion', (_opts, [shell]) => {
      const script = shell === 'zsh' ? zshCompletion(program) : bashCompletion(program);
      io.out(script.replace(/\n$/, ''));
      return Promise.resolve(0);
    }));
}
