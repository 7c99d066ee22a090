import { Argument, Command, Help, type Option } from 'commander';
import { out } from './output';

/**
 * `sluice completion bash|zsh|fish`: a completion script for the shell, generated from
 * the program's own command tree (commands, their options and the options' choices),
 * so it stays true as commands and flags are added.
 *
 * Each script works the same way: it walks the words typed so far, keeping those that
 * name a subcommand of the path so far (and skipping the value of an option that takes
 * one), and offers that path's subcommands, or its options when the word starts with
 * `-`, or an option's choices after it. The root's options are offered everywhere, as
 * Commander accepts them anywhere.
 */
export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish'] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

/** The `completion <shell>` command of `program`: prints the script for the whole program as it is when run. */
export function completionCommand(program: Command): Command {
  return new Command('completion')
    // As commands made with program.command() do: exit codes and error output as the program's.
    .copyInheritedSettings(program)
    .description('print a shell completion script for bash, zsh or fish')
    .addArgument(new Argument('<shell>', 'the shell').choices(COMPLETION_SHELLS))
    .addHelpText(
      'after',
      `
Load it in the current shell, or save it where the shell looks for completions:
  bash:  source <(sluice completion bash)     or save as ~/.local/share/bash-completion/completions/sluice
  zsh:   source <(sluice completion zsh)      (after compinit), or save as _sluice in a directory of $fpath
  fish:  sluice completion fish | source      or save as ~/.config/fish/completions/sluice.fish`,
    )
    .action((shell: CompletionShell) => out(completionScript(program, shell)));
}

interface FlagSpec {
  flag: string;
  description: string;
  takesValue: boolean;
  choices: readonly string[];
}

interface CommandSpec {
  /** The words of the command after the program's name, space-separated; '' for the program itself. */
  path: string;
  description: string;
  subcommands: { name: string; description: string }[];
  flags: FlagSpec[];
  /** The values its arguments may take, where they are a fixed set (`completion <shell>`). */
  argumentChoices: string[];
}

const help = new Help();

function flagsOf(option: Option): FlagSpec[] {
  const takesValue = option.required || option.optional;
  const spec = { description: option.description, takesValue, choices: option.argChoices ?? [] };
  return [option.long, option.short].filter((f): f is string => f !== undefined).map((flag) => ({ flag, ...spec }));
}

/** Every command of the tree, depth first, the program first. */
function specsOf(program: Command): CommandSpec[] {
  const specs: CommandSpec[] = [];
  const walk = (command: Command, path: string) => {
    const subcommands = help.visibleCommands(command).map((c) => ({ name: c.name(), description: c.description() }));
    const argumentChoices = command.registeredArguments.flatMap((a) => a.argChoices ?? []);
    specs.push({ path, description: command.description(), subcommands, flags: help.visibleOptions(command).flatMap(flagsOf), argumentChoices });
    for (const sub of command.commands) walk(sub, path === '' ? sub.name() : `${path} ${sub.name()}`);
  };
  walk(program, '');
  return specs;
}

export function completionScript(program: Command, shell: CompletionShell): string {
  const specs = specsOf(program);
  const name = program.name();
  // Commander takes the program's options after any subcommand too.
  const global = specs[0]!.flags;
  const withGlobals = specs.map((s) => (s.path === '' ? s : { ...s, flags: [...s.flags, ...global.filter((g) => !s.flags.some((f) => f.flag === g.flag))] }));
  const valueFlags = [...new Set(withGlobals.flatMap((s) => s.flags.filter((f) => f.takesValue).map((f) => f.flag)))];
  if (shell === 'bash') return bashScript(name, withGlobals, valueFlags);
  if (shell === 'zsh') return zshScript(name, withGlobals, valueFlags);
  return fishScript(name, withGlobals, valueFlags);
}

/** A word for a shell script in single quotes: safe for any text. */
const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;
/** One line of a description: its first line, shortened. */
const oneLine = (text: string) => {
  const line = text.split('\n')[0]!.trim();
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
};
/** A word for a fish script in single quotes, where a backslash and a quote are escaped. */
const fishQuote = (text: string) => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
const functionName = (name: string) => `_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;

function bashScript(name: string, specs: CommandSpec[], valueFlags: string[]): string {
  const fn = functionName(name);
  const cases = (pick: (s: CommandSpec) => string) =>
    specs
      .filter((s) => pick(s) !== '')
      .map((s) => `    ${quote(s.path)}) words=${quote(pick(s))} ;;`)
      .join('\n');
  const choiceCases = specs
    .flatMap((s) => s.flags.filter((f) => f.choices.length > 0).map((f) => `    ${quote(`${s.path}:${f.flag}`)}) words=${quote(f.choices.join(' '))} ;;`))
    .join('\n');
  return `# bash completion for ${name}, generated by \`${name} completion bash\` from its commands.
# Load it with: source <(${name} completion bash)   (or save it in ~/.local/share/bash-completion/completions/${name})

${fn}_subcommands() {
  local words=''
  case "$1" in
${cases((s) => s.subcommands.map((c) => c.name).join(' '))}
  esac
  printf '%s' "$words"
}

${fn}_flags() {
  local words=''
  case "$1" in
${cases((s) => s.flags.map((f) => f.flag).join(' '))}
  esac
  printf '%s' "$words"
}

${fn}_choices() {
  local words=''
  case "$1" in
${choiceCases}
  esac
  printf '%s' "$words"
}

${fn}_arguments() {
  local words=''
  case "$1" in
${cases((s) => s.argumentChoices.join(' '))}
  esac
  printf '%s' "$words"
}

${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="" path="" word i
  local value_flags=${quote(` ${valueFlags.join(' ')} `)}
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    if [[ "$word" == -* ]]; then
      [[ "$word" != *=* && "$value_flags" == *" $word "* && $i -lt $((COMP_CWORD - 1)) ]] && ((i++))
      continue
    fi
    if [[ " $(${fn}_subcommands "$path") " == *" $word "* ]]; then
      path="\${path:+$path }$word"
    fi
  done
  ((COMP_CWORD > 1)) && prev="\${COMP_WORDS[COMP_CWORD - 1]}"
  if [[ "$prev" == -* && "$value_flags" == *" $prev "* ]]; then
    local choices
    choices="$(${fn}_choices "$path:$prev")"
    if [[ -n "$choices" ]]; then
      mapfile -t COMPREPLY < <(compgen -W "$choices" -- "$cur")
    else
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    fi
    return 0
  fi
  if [[ "$cur" == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(${fn}_flags "$path")" -- "$cur")
  else
    mapfile -t COMPREPLY < <(compgen -W "$(${fn}_subcommands "$path") $(${fn}_arguments "$path")" -- "$cur")
  fi
  return 0
}

complete -F ${fn} ${name}
`;
}

function zshScript(name: string, specs: CommandSpec[], valueFlags: string[]): string {
  const fn = functionName(name);
  // _describe's "name:description" entries: a colon in the name is escaped.
  const entry = (word: string, description: string) => quote(`${word.replaceAll(':', '\\:')}:${oneLine(description)}`);
  const arrays = (pick: (s: CommandSpec) => string[]) =>
    specs
      .filter((s) => pick(s).length > 0)
      .map((s) => `    ${quote(s.path)}) entries=(${pick(s).join(' ')}) ;;`)
      .join('\n');
  const choiceCases = specs
    .flatMap((s) => s.flags.filter((f) => f.choices.length > 0).map((f) => `    ${quote(`${s.path}:${f.flag}`)}) entries=(${f.choices.map(quote).join(' ')}) ;;`))
    .join('\n');
  return `#compdef ${name}
# zsh completion for ${name}, generated by \`${name} completion zsh\` from its commands.
# Load it with: source <(${name} completion zsh)   (after compinit), or save it as _${name} in a directory of $fpath.

${fn}() {
  local -a entries value_flags
  local path_="" word prev i
  value_flags=(${valueFlags.map(quote).join(' ')})
  for ((i = 2; i < CURRENT; i++)); do
    word="\${words[i]}"
    if [[ "$word" == -* ]]; then
      [[ "$word" != *=* && \${value_flags[(Ie)$word]} -gt 0 && $i -lt $((CURRENT - 1)) ]] && ((i++))
      continue
    fi
    ${fn}_subcommands "$path_"
    if [[ \${entries[(I)\${(b)word}:*]} -gt 0 ]]; then
      path_="\${path_:+$path_ }$word"
    fi
  done
  prev="\${words[CURRENT-1]}"
  if [[ "$prev" == -* && \${value_flags[(Ie)$prev]} -gt 0 ]]; then
    entries=()
    ${fn}_choices "$path_:$prev"
    if (( \${#entries} > 0 )); then
      compadd -a entries
    else
      _files
    fi
    return
  fi
  if [[ "\${words[CURRENT]}" == -* ]]; then
    ${fn}_flags "$path_"
    _describe -t options option entries
  else
    # Nonzero (nothing offered) only when the command has neither subcommands nor argument choices.
    local ret=1
    ${fn}_subcommands "$path_"
    (( \${#entries} > 0 )) && _describe -t commands command entries && ret=0
    ${fn}_arguments "$path_"
    (( \${#entries} > 0 )) && compadd -a entries && ret=0
    return ret
  fi
}

${fn}_subcommands() {
  entries=()
  case "$1" in
${arrays((s) => s.subcommands.map((c) => entry(c.name, c.description)))}
  esac
}

${fn}_flags() {
  entries=()
  case "$1" in
${arrays((s) => s.flags.map((f) => entry(f.flag, f.description)))}
  esac
}

${fn}_choices() {
  entries=()
  case "$1" in
${choiceCases}
  esac
}

${fn}_arguments() {
  entries=()
  case "$1" in
${arrays((s) => s.argumentChoices.map(quote))}
  esac
}

if [[ "$funcstack[1]" == "${fn}" ]]; then
  ${fn} "$@"
else
  compdef ${fn} ${name}
fi
`;
}

function fishScript(name: string, specs: CommandSpec[], valueFlags: string[]): string {
  const fn = `__${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
  // Fish's `switch` cannot match an empty string reliably, so the program's own path is its name.
  const key = (s: CommandSpec) => (s.path === '' ? name : `${name} ${s.path}`);
  const subcommandCases = specs
    .filter((s) => s.subcommands.length > 0)
    .map((s) => `        case ${fishQuote(key(s))}\n            echo ${s.subcommands.map((c) => fishQuote(c.name)).join(' ')}`)
    .join('\n');
  const lines: string[] = [];
  for (const s of specs) {
    const when = fishQuote(`test (${fn}_path) = ${fishQuote(key(s))}`);
    if (s.argumentChoices.length > 0) lines.push(`complete -c ${name} -n ${when} -f -a ${fishQuote(s.argumentChoices.join(' '))}`);
    for (const c of s.subcommands) lines.push(`complete -c ${name} -n ${when} -f -a ${fishQuote(c.name)} -d ${fishQuote(oneLine(c.description))}`);
    for (const f of s.flags) {
      const flag = f.flag.startsWith('--') ? `-l ${fishQuote(f.flag.slice(2))}` : `-s ${fishQuote(f.flag.slice(1))}`;
      const value = f.choices.length > 0 ? ` -x -a ${fishQuote(f.choices.join(' '))}` : f.takesValue ? ' -r' : '';
      lines.push(`complete -c ${name} -n ${when} ${flag}${value} -d ${fishQuote(oneLine(f.description))}`);
    }
  }
  return `# fish completion for ${name}, generated by \`${name} completion fish\` from its commands.
# Load it with: ${name} completion fish | source   (or save it as ~/.config/fish/completions/${name}.fish)

function ${fn}_subcommands
    switch $argv[1]
${subcommandCases}
    end
end

# The command path typed so far: the program's name and the subcommands after it.
function ${fn}_path
    set -l value_flags ${valueFlags.map(quote).join(' ')}
    set -l path ${fishQuote(name)}
    set -l skip 0
    for word in (commandline -opc)[2..-1]
        if test $skip = 1
            set skip 0
            continue
        end
        if string match -q -- '-*' $word
            if not string match -q -- '*=*' $word; and contains -- $word $value_flags
                set skip 1
            end
            continue
        end
        if contains -- $word (string split ' ' (${fn}_subcommands "$path"))
            set path "$path $word"
        end
    end
    echo $path
end

complete -c ${name} -f
${lines.join('\n')}
`;
}
