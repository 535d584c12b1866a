# fish completion for aws-as, printed by `aws-as completions fish` (generated from
# src/output/shell/completions/fish.fish: edit that, not this). aws-as-activate includes it;
# without the activation, save it as ~/.config/fish/completions/aws-as.fish.
#
# Quirks this file works around:
# - Identity names come from `aws-as list --names`, run only on TAB. Each output line is one
#   candidate, data to fish: it escapes a candidate when inserting it and never evaluates it.
# - One function prints every candidate for where the cursor is (fish's per-option rules cannot
#   tell `aws-as NAME` from `aws-as exec NAME`); what follows `exec NAME` is completed as a
#   command line of its own, with `complete -C`.

# What aws-as accepts, generated from its clap definition. `__aws_as_spec CMD WHAT` prints,
# one per line, for CMD ('' is aws-as itself): its subcommands (subs) or long options (opts)
# with what they do, the options that take a value (vopts), what each positional argument
# is (pos). `__aws_as_choices CMD OPTION` prints the possible values of OPTION.
function __aws_as_spec --argument-names cmd what --description 'aws-as: what it accepts'
    switch $cmd:$what
        case ':subs'
            printf '%s\t%s\n' \
                'exec' 'Run COMMAND with NAME\'s credentials in its environment; the shell is left as it is' \
                'credential-process' 'Print NAME\'s credentials as AWS `credential_process` JSON (for SDKs and tools)' \
                'write' 'Write NAME\'s credentials into a section of the AWS credentials file (for tools that read only that file)' \
                'refresh' 'Keep sections of the AWS credentials file fresh: a daemon that renews them before they expire' \
                'export' 'Print NAME\'s credentials for another tool: sh, docker --env-file, PowerShell, cmd, JSON, ini' \
                'login' 'Open the AWS console in the browser, signed in as NAME' \
                'list' 'List every identity: kind, source chain, region and cached session' \
                'serve' 'Serve credentials to SDKs: an EC2 metadata (IMDSv2) and an ECS endpoint on loopback' \
                'server' 'Control a running credentials server (serve): status, switch NAME, stop, env NAME, page' \
                'sso' 'IAM Identity Center: sign in (shared with the AWS CLI and the SDKs), sign out, and write a profile for every account and role the portal shows' \
                'keys' 'Long-term keys in the OS keyring (add, import from ~/.aws/credentials, remove) and their rotation' \
                'doctor' 'Check the setup: the binaries, the shell\'s activation, the profile files, the cache and state directories, IAM Identity Center sign-ins, a [default] profile, the server, the clock' \
                'completions' 'Print the completion script for a shell' \
                'help' 'Print this message or the help of the given subcommand(s)'
        case ':opts'
            printf '%s\t%s\n' \
                '--pick' 'Pick the identity to switch to from a list on the terminal (type part of a name to narrow it)' \
                '--shell' 'Dialect of the printed statements [default: sh]' \
                '--mfa-code' 'MFA code to use instead of asking on the terminal' \
                '--duration' 'Session length in seconds, when a new session is made' \
                '--no-input' 'Never ask for an MFA code on the terminal: fail instead (scripts, prompt hooks)' \
                '--role-arn' 'Assume this role (one no profile names) with NAME\'s session; cached, and shown, as NAME>ARN' \
                '--region' 'Region to set instead of the profile\'s (AWS_REGION and AWS_DEFAULT_REGION)' \
                '--help' 'Print help' \
                '--version' 'Print version'
        case ':vopts'
            printf '%s\n' \
                '--shell' \
                '--mfa-code' \
                '--duration' \
                '--role-arn' \
                '--region'
        case ':pos'
            printf '%s\n' \
                'identity-or-dash'
        case 'exec:opts'
            printf '%s\t%s\n' \
                '--server' 'Give COMMAND an ECS credentials endpoint (a server on 127.0.0.1 that lives as long as it) instead of static keys, so a run longer than one session keeps going' \
                '--mfa-code' 'MFA code to use instead of asking on the terminal' \
                '--duration' 'Session length in seconds, when a new session is made' \
                '--no-input' 'Never ask for an MFA code on the terminal: fail instead (scripts, prompt hooks)' \
                '--role-arn' 'Assume this role (one no profile names) with NAME\'s session; cached, and shown, as NAME>ARN' \
                '--region' 'Region to set instead of the profile\'s (AWS_REGION and AWS_DEFAULT_REGION)' \
                '--help' 'Print help'
        case 'exec:vopts'
            printf '%s\n' \
                '--mfa-code' \
                '--duration' \
                '--role-arn' \
                '--region'
        case 'exec:pos'
            printf '%s\n' \
                'identity' \
                'command'
        case 'credential-process:opts'
            printf '%s\t%s\n' \
                '--mfa-code' 'MFA code to use instead of asking on the terminal' \
                '--duration' 'Session length in seconds, when a new session is made' \
                '--no-input' 'Never ask for an MFA code on the terminal: fail instead (scripts, prompt hooks)' \
                '--role-arn' 'Assume this role (one no profile names) with NAME\'s session; cached, and shown, as NAME>ARN' \
                '--help' 'Print help'
        case 'credential-process:vopts'
            printf '%s\n' \
                '--mfa-code' \
                '--duration' \
                '--role-arn'
        case 'credential-process:pos'
            printf '%s\n' \
                'identity'
        case 'write:opts'
            printf '%s\t%s\n' \
                '--profile' 'The section of the credentials file to write' \
                '--force' 'Write into a section aws-as did not write, replacing its keys (the old file is kept as a backup)' \
                '--remove' 'Remove the section SECTION that aws-as wrote, instead of writing one' \
                '--mfa-code' 'MFA code to use instead of asking on the terminal' \
                '--duration' 'Session length in seconds, when a new session is made' \
                '--no-input' 'Never ask for an MFA code on the terminal: fail instead (scripts, prompt hooks)' \
                '--role-arn' 'Assume this role (one no profile names) with NAME\'s session; cached, and shown, as NAME>ARN' \
                '--region' 'Region to set instead of the profile\'s (AWS_REGION and AWS_DEFAULT_REGION)' \
                '--help' 'Print help'
        case 'write:vopts'
            printf '%s\n' \
                '--profile' \
                '--remove' \
                '--mfa-code' \
                '--duration' \
                '--role-arn' \
                '--region'
        case 'write:pos'
            printf '%s\n' \
                'identity'
        case 'refresh:opts'
            printf '%s\t%s\n' \
                '--all' 'Keep every section aws-as wrote fresh' \
                '--force' 'Take over the sections on the first write (see aws-as write --force)' \
                '--duration' 'Session length in seconds, when a new session is made' \
                '--help' 'Print help'
        case 'refresh:vopts'
            printf '%s\n' \
                '--duration'
        case 'refresh:pos'
            printf '%s\n' \
                'identity'
        case 'export:opts'
            printf '%s\t%s\n' \
                '--format' 'The format' \
                '--section' 'With --format ini: the section\'s name [default: NAME]' \
                '--mfa-code' 'MFA code to use instead of asking on the terminal' \
                '--duration' 'Session length in seconds, when a new session is made' \
                '--no-input' 'Never ask for an MFA code on the terminal: fail instead (scripts, prompt hooks)' \
                '--role-arn' 'Assume this role (one no profile names) with NAME\'s session; cached, and shown, as NAME>ARN' \
                '--region' 'Region to set instead of the profile\'s (AWS_REGION and AWS_DEFAULT_REGION)' \
                '--help' 'Print help (see more with \'--help\')'
        case 'export:vopts'
            printf '%s\n' \
                '--format' \
                '--section' \
                '--mfa-code' \
                '--duration' \
                '--role-arn' \
                '--region'
        case 'export:pos'
            printf '%s\n' \
                'identity'
        case 'login:opts'
            printf '%s\t%s\n' \
                '--destination' 'The console page to open: a console URL, or a path such as ec2/home [default: the console home]' \
                '--print' 'Print the sign-in URL on stdout instead of opening a browser: it is the console for 15 minutes, keep it secret' \
                '--mfa-code' 'MFA code to use instead of asking on the terminal' \
                '--duration' 'Session length in seconds, when a new session is made' \
                '--no-input' 'Never ask for an MFA code on the terminal: fail instead (scripts, prompt hooks)' \
                '--role-arn' 'Assume this role (one no profile names) with NAME\'s session; cached, and shown, as NAME>ARN' \
                '--region' 'Region to set instead of the profile\'s (AWS_REGION and AWS_DEFAULT_REGION)' \
                '--help' 'Print help'
        case 'login:vopts'
            printf '%s\n' \
                '--destination' \
                '--mfa-code' \
                '--duration' \
                '--role-arn' \
                '--region'
        case 'login:pos'
            printf '%s\n' \
                'identity'
        case 'list:opts'
            printf '%s\t%s\n' \
                '--names' 'Print only the names, one per line (for completion)' \
                '--help' 'Print help'
        case 'serve:opts'
            printf '%s\t%s\n' \
                '--listen' 'Address to listen on: loopback, or 169.254.169.254:80 / [fd00:ec2::254]:80 once on lo' \
                '--imds-v1' 'Also answer IMDS GETs that carry no session token (IMDSv1): any local process that can be made to send one GET then gets credentials' \
                '--token-file' 'The management API\'s bearer token file [default: manage-token in the state directory]' \
                '--resume' 'With no NAME: serve the identity this address served when it last ran (a switch through the API or the page is remembered)' \
                '--allow-user' 'Serve USER too (a user name or a uid; repeatable): by default a connection from any other user of this machine is closed unread' \
                '--duration' 'Session length in seconds, when a new session is made' \
                '--help' 'Print help'
        case 'serve:vopts'
            printf '%s\n' \
                '--listen' \
                '--token-file' \
                '--allow-user' \
                '--duration'
        case 'serve:pos'
            printf '%s\n' \
                'identity'
        case 'server:opts'
            printf '%s\t%s\n' \
                '--server' 'The server\'s address, ADDR:PORT [default: $AWS_AS_SERVER, else the one running, else 127.0.0.1:9254]' \
                '--help' 'Print help (see more with \'--help\')'
        case 'server:vopts'
            printf '%s\n' \
                '--server'
        case 'sso:opts'
            printf '%s\t%s\n' \
                '--help' 'Print help'
        case 'keys:opts'
            printf '%s\t%s\n' \
                '--help' 'Print help'
        case 'doctor:opts'
            printf '%s\t%s\n' \
                '--help' 'Print help'
        case 'completions:opts'
            printf '%s\t%s\n' \
                '--help' 'Print help'
        case 'completions:pos'
            printf '%s\n' \
                'choice bash zsh fish tcsh'
    end
end

function __aws_as_choices --argument-names cmd opt --description 'aws-as: values of an option'
    switch $cmd:$opt
        case ':--shell'
            printf '%s\n' sh bash zsh fish csh tcsh
        case 'export:--format'
            printf '%s\n' env env-no-export powershell windows-cmd json ini
    end
end

function __aws_as_names --description 'aws-as: identity names'
    aws-as list --names 2>/dev/null </dev/null
end

function __aws_as_complete --description 'aws-as: candidates for the token at the cursor'
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    set -l cmd ''
    set -l value ''
    set -l seen 0
    set -l dd 0
    set -l npos 0
    set -l subs (__aws_as_spec '' subs | string replace -r '\t.*' '')
    set -l vopts (__aws_as_spec '' vopts)
    set -l pos (__aws_as_spec '' pos)
    set -l i 1
    for w in $tokens[2..-1]
        set i (math $i + 1)
        if test -n "$value"
            set value ''
            continue
        end
        if test $dd = 0; and string match -qr -- '^-.' $w
            if test "$w" = --
                set dd 1
            else if contains -- $w $vopts
                set value $w
            end
            set seen 1
            continue
        end
        # A subcommand only comes first: after an option or `--` the word is an identity.
        if test -z "$cmd" -a $npos = 0 -a $seen = 0; and contains -- $w $subs
            set cmd $w
            set vopts (__aws_as_spec $cmd vopts)
            set pos (__aws_as_spec $cmd pos)
            continue
        end
        set npos (math $npos + 1)
        if test "$pos[$npos]" = command
            # The words from here are a command line of its own.
            complete -C (string join ' ' -- (string escape -- $tokens[$i..-1]) $cur)
            return
        end
    end
    set -l next (math $npos + 1)
    set -l kind "$pos[$next]"
    if test -n "$value"
        __aws_as_choices "$cmd" $value
    else if test $dd = 0; and string match -q -- '--*=*' $cur
        set -l opt (string split -m1 = -- $cur)[1]
        for v in (__aws_as_choices "$cmd" $opt)
            printf '%s=%s\n' $opt $v
        end
    else if test $dd = 0; and string match -q -- '-*' $cur
        __aws_as_spec "$cmd" opts
        if test "$kind" = identity-or-dash
            printf '%s\t%s\n' - 'remove the identity'
        end
    else
        switch $kind
            case identity-or-dash
                if test $seen = 0
                    __aws_as_spec '' subs
                end
                printf '%s\t%s\n' - 'remove the identity'
                __aws_as_names
            case identity
                __aws_as_names
            case 'choice *'
                string split ' ' -- (string replace 'choice ' '' -- $kind)
            case command
                complete -C $cur
        end
    end
end

# Erased first: activating again, or fish autoloading this file when the activation already
# defined it, must not add the rule twice.
complete -c aws-as -e
complete -c aws-as -f -a '(__aws_as_complete)'
