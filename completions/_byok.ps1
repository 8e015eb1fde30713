
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'byok' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'byok'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'byok' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Send a prompt (arguments and/or piped stdin) and stream the answer to stdout')
            [CompletionResult]::new('council', 'council', [CompletionResultType]::ParameterValue, 'Ask several models at once and decide the answer by vote (first, majority, strict, rank)')
            [CompletionResult]::new('usage', 'usage', [CompletionResultType]::ParameterValue, 'What was spent: calls, tokens and cost by provider, model, route, key or day, with budgets')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'The vault, keyring, active profile, provider health and budgets at a glance')
            [CompletionResult]::new('prices', 'prices', [CompletionResultType]::ParameterValue, 'Show the price table used for costs (USD per million tokens)')
            [CompletionResult]::new('models', 'models', [CompletionResultType]::ParameterValue, 'The models each configured key can reach, marked when a route uses them or the price table has them')
            [CompletionResult]::new('exec', 'exec', [CompletionResultType]::ParameterValue, 'Run a command with only the named providers'' keys in its environment')
            [CompletionResult]::new('key', 'key', [CompletionResultType]::ParameterValue, 'Add, list, verify, rotate and revoke provider API keys')
            [CompletionResult]::new('vault', 'vault', [CompletionResultType]::ParameterValue, 'Create the vault, see how it is unlocked, and share it with recipients')
            [CompletionResult]::new('route', 'route', [CompletionResultType]::ParameterValue, 'Map task routes to PROVIDER:MODEL with fallbacks, in the active profile')
            [CompletionResult]::new('profile', 'profile', [CompletionResultType]::ParameterValue, 'List, inspect and choose profiles (routes, allowlist, budgets, custom providers)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script on stdout')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'byok;run' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'System prompt')
            [CompletionResult]::new('--system', '--system', [CompletionResultType]::ParameterName, 'System prompt')
            [CompletionResult]::new('--max-tokens', '--max-tokens', [CompletionResultType]::ParameterName, 'Most tokens to generate (per call)')
            [CompletionResult]::new('--temperature', '--temperature', [CompletionResultType]::ParameterName, 'Sampling temperature')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Which vault key of each provider to use, by label (default: the route''s `key`, else `default`)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Stop the whole call (retries and fallbacks included) after this long: 90s, 2m, 500ms; a cut answer is kept and recorded, and byok exits 6')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Route of the profile to use: its model, then its fallbacks (default: the route `default`)')
            [CompletionResult]::new('--route', '--route', [CompletionResultType]::ParameterName, 'Route of the profile to use: its model, then its fallbacks (default: the route `default`)')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Model to use, as PROVIDER:MODEL (split at the first colon) or just PROVIDER for its default model')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model to use, as PROVIDER:MODEL (split at the first colon) or just PROVIDER for its default model')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-stdin', '--no-stdin', [CompletionResultType]::ParameterName, 'Do not read stdin even when it is not a terminal')
            [CompletionResult]::new('--stats', '--stats', [CompletionResultType]::ParameterName, 'Print the token and cost table on stderr even when it is not a terminal')
            [CompletionResult]::new('--no-stream', '--no-stream', [CompletionResultType]::ParameterName, 'Wait for the whole answer instead of streaming it')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'byok;council' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'System prompt')
            [CompletionResult]::new('--system', '--system', [CompletionResultType]::ParameterName, 'System prompt')
            [CompletionResult]::new('--max-tokens', '--max-tokens', [CompletionResultType]::ParameterName, 'Most tokens to generate (per call)')
            [CompletionResult]::new('--temperature', '--temperature', [CompletionResultType]::ParameterName, 'Sampling temperature')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Which vault key of each provider to use, by label (default: the route''s `key`, else `default`)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Stop the whole call (retries and fallbacks included) after this long: 90s, 2m, 500ms; a cut answer is kept and recorded, and byok exits 6')
            [CompletionResult]::new('--members', '--members', [CompletionResultType]::ParameterName, 'The members, as PROVIDER:MODEL separated by commas (default: the profile''s [council] members)')
            [CompletionResult]::new('--mode', '--mode', [CompletionResultType]::ParameterName, 'How the council decides (default: the profile''s, else majority)')
            [CompletionResult]::new('--quorum', '--quorum', [CompletionResultType]::ParameterName, 'How many members must answer (default: all for strict, 1 otherwise)')
            [CompletionResult]::new('--chair', '--chair', [CompletionResultType]::ParameterName, 'With --mode rank: the model that writes the final answer from the top-ranked answers')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-stdin', '--no-stdin', [CompletionResultType]::ParameterName, 'Do not read stdin even when it is not a terminal')
            [CompletionResult]::new('--stats', '--stats', [CompletionResultType]::ParameterName, 'Print the token and cost table on stderr even when it is not a terminal')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'byok;usage' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'First day to include (default: the first of this month)')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Last day to include (default: today)')
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'How to group the calls')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--csv', '--csv', [CompletionResultType]::ParameterName, 'Print comma-separated values instead of a table')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'byok;status' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'byok;prices' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'byok;models' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'byok;exec' {
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'A provider whose key the command gets, as PROVIDER or PROVIDER/LABEL (repeat the flag, or give a comma list)')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Every provider of this route''s chain (its model and fallbacks), with the route''s key label')
            [CompletionResult]::new('--route', '--route', [CompletionResultType]::ParameterName, 'Every provider of this route''s chain (its model and fallbacks), with the route''s key label')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The vault key to hand over, by label, for every provider given without `/LABEL` (default: the route''s `key`, else `default`)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'byok;key' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a key; the secret is read from piped stdin or a hidden prompt, never from argv')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List keys, masked, from the vault and from provider environment variables')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check keys with each provider''s free model-list probe, all at once')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Replace a key with a new one, keeping the old one as "previous" for rollback')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Remove a key (or only its previous version) from the vault')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove a key (or only its previous version) from the vault')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a key (or only its previous version) from the vault')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'byok;key;add' {
            [CompletionResult]::new('--label', '--label', [CompletionResultType]::ParameterName, 'A name for this key, to keep several per provider')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-verify', '--no-verify', [CompletionResultType]::ParameterName, 'Store the key without asking the provider whether it works')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'byok;key;list' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'byok;key;verify' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'byok;key;rotate' {
            [CompletionResult]::new('--label', '--label', [CompletionResultType]::ParameterName, 'label')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--no-verify', '--no-verify', [CompletionResultType]::ParameterName, 'Swap without asking the provider whether the new key works')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'byok;key;revoke' {
            [CompletionResult]::new('--label', '--label', [CompletionResultType]::ParameterName, 'label')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--previous', '--previous', [CompletionResultType]::ParameterName, 'Remove only the previous key kept by `key rotate`')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed when there is no terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed when there is no terminal)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'byok;key;rm' {
            [CompletionResult]::new('--label', '--label', [CompletionResultType]::ParameterName, 'label')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--previous', '--previous', [CompletionResultType]::ParameterName, 'Remove only the previous key kept by `key rotate`')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed when there is no terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed when there is no terminal)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'byok;key;remove' {
            [CompletionResult]::new('--label', '--label', [CompletionResultType]::ParameterName, 'label')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--previous', '--previous', [CompletionResultType]::ParameterName, 'Remove only the previous key kept by `key rotate`')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed when there is no terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed when there is no terminal)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'byok;key;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a key; the secret is read from piped stdin or a hidden prompt, never from argv')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List keys, masked, from the vault and from provider environment variables')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check keys with each provider''s free model-list probe, all at once')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Replace a key with a new one, keeping the old one as "previous" for rollback')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Remove a key (or only its previous version) from the vault')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'byok;key;help;add' {
            break
        }
        'byok;key;help;list' {
            break
        }
        'byok;key;help;verify' {
            break
        }
        'byok;key;help;rotate' {
            break
        }
        'byok;key;help;revoke' {
            break
        }
        'byok;key;help;help' {
            break
        }
        'byok;vault' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create the vault: unlocked by the OS keyring, or by a passphrase with --passphrase')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Where the vault is, how it is unlocked, its recipients and key count')
            [CompletionResult]::new('recipients', 'recipients', [CompletionResultType]::ParameterValue, 'List, add and remove the public keys the vault is encrypted to (team and CI sharing)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'byok;vault;init' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--passphrase', '--passphrase', [CompletionResultType]::ParameterName, 'Protect the vault with a passphrase instead of the OS keyring')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'byok;vault;status' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'byok;vault;recipients' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the recipients from vault.toml, without unlocking the vault')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Encrypt the vault to one more recipient (a teammate, a CI job)')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Re-encrypt the vault without a recipient; the keys it could read should be rotated')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Re-encrypt the vault without a recipient; the keys it could read should be rotated')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'byok;vault;recipients;list' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'byok;vault;recipients;add' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'A name to recognise it by, and to remove it by')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'byok;vault;recipients;rm' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Remove it even if it is the identity that opened the vault')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'byok;vault;recipients;remove' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Remove it even if it is the identity that opened the vault')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'byok;vault;recipients;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the recipients from vault.toml, without unlocking the vault')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Encrypt the vault to one more recipient (a teammate, a CI job)')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Re-encrypt the vault without a recipient; the keys it could read should be rotated')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'byok;vault;recipients;help;list' {
            break
        }
        'byok;vault;recipients;help;add' {
            break
        }
        'byok;vault;recipients;help;rm' {
            break
        }
        'byok;vault;recipients;help;help' {
            break
        }
        'byok;vault;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create the vault: unlocked by the OS keyring, or by a passphrase with --passphrase')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Where the vault is, how it is unlocked, its recipients and key count')
            [CompletionResult]::new('recipients', 'recipients', [CompletionResultType]::ParameterValue, 'List, add and remove the public keys the vault is encrypted to (team and CI sharing)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'byok;vault;help;init' {
            break
        }
        'byok;vault;help;status' {
            break
        }
        'byok;vault;help;recipients' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the recipients from vault.toml, without unlocking the vault')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Encrypt the vault to one more recipient (a teammate, a CI job)')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Re-encrypt the vault without a recipient; the keys it could read should be rotated')
            break
        }
        'byok;vault;help;recipients;list' {
            break
        }
        'byok;vault;help;recipients;add' {
            break
        }
        'byok;vault;help;recipients;rm' {
            break
        }
        'byok;vault;help;help' {
            break
        }
        'byok;route' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Create or replace a route in the active profile (comments and layout are kept)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the active profile''s routes')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Explain what a run on the route would do, without calling any provider')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove a route from the active profile')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a route from the active profile')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'byok;route;set' {
            [CompletionResult]::new('--fallback', '--fallback', [CompletionResultType]::ParameterName, 'A model to fall back to, in order (repeat the flag); PROVIDER alone is its default model')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'The vault key label the route''s calls use')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'byok;route;list' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'byok;route;show' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'byok;route;rm' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'byok;route;remove' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'byok;route;help' {
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Create or replace a route in the active profile (comments and layout are kept)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the active profile''s routes')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Explain what a run on the route would do, without calling any provider')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove a route from the active profile')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'byok;route;help;set' {
            break
        }
        'byok;route;help;list' {
            break
        }
        'byok;route;help;show' {
            break
        }
        'byok;route;help;rm' {
            break
        }
        'byok;route;help;help' {
            break
        }
        'byok;profile' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List profiles, marking the active one and why it is active')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show the active profile: its file and what it sets (checked for errors)')
            [CompletionResult]::new('use', 'use', [CompletionResultType]::ParameterValue, 'Make a profile the active one for later commands')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'byok;profile;list' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'byok;profile;show' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'byok;profile;use' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'byok;profile;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List profiles, marking the active one and why it is active')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show the active profile: its file and what it sets (checked for errors)')
            [CompletionResult]::new('use', 'use', [CompletionResultType]::ParameterValue, 'Make a profile the active one for later commands')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'byok;profile;help;list' {
            break
        }
        'byok;profile;help;show' {
            break
        }
        'byok;profile;help;use' {
            break
        }
        'byok;profile;help;help' {
            break
        }
        'byok;completions' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use (default: BYOK_PROFILE, then the one `profile use` chose, then `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the answer and errors: no progress, no confirmations')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request (method, URL, status, time) on stderr; never a key')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'byok;help' {
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Send a prompt (arguments and/or piped stdin) and stream the answer to stdout')
            [CompletionResult]::new('council', 'council', [CompletionResultType]::ParameterValue, 'Ask several models at once and decide the answer by vote (first, majority, strict, rank)')
            [CompletionResult]::new('usage', 'usage', [CompletionResultType]::ParameterValue, 'What was spent: calls, tokens and cost by provider, model, route, key or day, with budgets')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'The vault, keyring, active profile, provider health and budgets at a glance')
            [CompletionResult]::new('prices', 'prices', [CompletionResultType]::ParameterValue, 'Show the price table used for costs (USD per million tokens)')
            [CompletionResult]::new('models', 'models', [CompletionResultType]::ParameterValue, 'The models each configured key can reach, marked when a route uses them or the price table has them')
            [CompletionResult]::new('exec', 'exec', [CompletionResultType]::ParameterValue, 'Run a command with only the named providers'' keys in its environment')
            [CompletionResult]::new('key', 'key', [CompletionResultType]::ParameterValue, 'Add, list, verify, rotate and revoke provider API keys')
            [CompletionResult]::new('vault', 'vault', [CompletionResultType]::ParameterValue, 'Create the vault, see how it is unlocked, and share it with recipients')
            [CompletionResult]::new('route', 'route', [CompletionResultType]::ParameterValue, 'Map task routes to PROVIDER:MODEL with fallbacks, in the active profile')
            [CompletionResult]::new('profile', 'profile', [CompletionResultType]::ParameterValue, 'List, inspect and choose profiles (routes, allowlist, budgets, custom providers)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script on stdout')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'byok;help;run' {
            break
        }
        'byok;help;council' {
            break
        }
        'byok;help;usage' {
            break
        }
        'byok;help;status' {
            break
        }
        'byok;help;prices' {
            break
        }
        'byok;help;models' {
            break
        }
        'byok;help;exec' {
            break
        }
        'byok;help;key' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a key; the secret is read from piped stdin or a hidden prompt, never from argv')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List keys, masked, from the vault and from provider environment variables')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check keys with each provider''s free model-list probe, all at once')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Replace a key with a new one, keeping the old one as "previous" for rollback')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Remove a key (or only its previous version) from the vault')
            break
        }
        'byok;help;key;add' {
            break
        }
        'byok;help;key;list' {
            break
        }
        'byok;help;key;verify' {
            break
        }
        'byok;help;key;rotate' {
            break
        }
        'byok;help;key;revoke' {
            break
        }
        'byok;help;vault' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create the vault: unlocked by the OS keyring, or by a passphrase with --passphrase')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Where the vault is, how it is unlocked, its recipients and key count')
            [CompletionResult]::new('recipients', 'recipients', [CompletionResultType]::ParameterValue, 'List, add and remove the public keys the vault is encrypted to (team and CI sharing)')
            break
        }
        'byok;help;vault;init' {
            break
        }
        'byok;help;vault;status' {
            break
        }
        'byok;help;vault;recipients' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the recipients from vault.toml, without unlocking the vault')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Encrypt the vault to one more recipient (a teammate, a CI job)')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Re-encrypt the vault without a recipient; the keys it could read should be rotated')
            break
        }
        'byok;help;vault;recipients;list' {
            break
        }
        'byok;help;vault;recipients;add' {
            break
        }
        'byok;help;vault;recipients;rm' {
            break
        }
        'byok;help;route' {
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Create or replace a route in the active profile (comments and layout are kept)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the active profile''s routes')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Explain what a run on the route would do, without calling any provider')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove a route from the active profile')
            break
        }
        'byok;help;route;set' {
            break
        }
        'byok;help;route;list' {
            break
        }
        'byok;help;route;show' {
            break
        }
        'byok;help;route;rm' {
            break
        }
        'byok;help;profile' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List profiles, marking the active one and why it is active')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show the active profile: its file and what it sets (checked for errors)')
            [CompletionResult]::new('use', 'use', [CompletionResultType]::ParameterValue, 'Make a profile the active one for later commands')
            break
        }
        'byok;help;profile;list' {
            break
        }
        'byok;help;profile;show' {
            break
        }
        'byok;help;profile;use' {
            break
        }
        'byok;help;completions' {
            break
        }
        'byok;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
