# tcsh completion for aws-as, printed by `aws-as completions tcsh` (generated from
# src/output/shell/completions/tcsh.csh: edit that, not this). aws-as-activate includes it;
# without the activation: source it from ~/.tcshrc.
#
# Quirks this file works around:
# - One `complete` statement ending with ` ;`, no `!`: aws-as-activate's output is evaluated as
#   one line (its comment lines are dropped), where `!` would be a history reference.
# - csh has no `complete`: the statement is skipped there.
# - Identity names come from `aws-as list --names`, run only on TAB. tcsh splits the output of
#   a completion's command at blanks: a name holding a space is offered as two words (tcsh has
#   no way to keep it whole). tcsh quotes what it inserts and evaluates none of it.
# - A rule sees the current word, the word before it or the one before that, not the whole line:
#   options are offered from one list for every subcommand, and after `exec --no-input NAME` come
#   file names where `exec NAME` gets a command.
if ( $?tcsh ) complete aws-as 'n/--shell/(sh bash zsh fish csh tcsh)/' 'c/--shell=/(sh bash zsh fish csh tcsh)/' 'n/--mfa-code/x:<CODE>/' 'n/--duration/x:<SECONDS>/' 'n/--region/x:<REGION>/' 'n/--profile/x:<SECTION>/' 'n/--remove/x:<SECTION>/' 'n/--format/(env env-no-export powershell windows-cmd json ini)/' 'c/--format=/(env env-no-export powershell windows-cmd json ini)/' 'n/--section/x:<SECTION>/' 'n/--destination/x:<URL-OR-PATH>/' 'n/--listen/x:<ADDRESS>/' 'n/--token-file/x:<PATH>/' 'n/--server/x:<ADDRESS>/' 'C/-*/(--pick --shell --mfa-code --duration --no-input --region --help --version --server --profile --force --remove --all --format --section --destination --print --names --listen --imds-v1 --token-file --resume -)/' 'n/--pick/`aws-as list --names`/' 'n/-i/`aws-as list --names`/' 'N/--shell/`aws-as list --names`/' 'N/--mfa-code/`aws-as list --names`/' 'N/--duration/`aws-as list --names`/' 'n/--no-input/`aws-as list --names`/' 'N/--region/`aws-as list --names`/' 'n/--server/`aws-as list --names`/' 'N/--profile/`aws-as list --names`/' 'n/--force/`aws-as list --names`/' 'N/--remove/`aws-as list --names`/' 'n/--all/`aws-as list --names`/' 'N/--format/`aws-as list --names`/' 'N/--section/`aws-as list --names`/' 'N/--destination/`aws-as list --names`/' 'n/--print/`aws-as list --names`/' 'N/--listen/`aws-as list --names`/' 'n/--imds-v1/`aws-as list --names`/' 'N/--token-file/`aws-as list --names`/' 'n/--resume/`aws-as list --names`/' 'n/exec/`aws-as list --names`/' 'N/exec/c/' 'n/credential-process/`aws-as list --names`/' 'n/write/`aws-as list --names`/' 'n/refresh/`aws-as list --names`/' 'n/export/`aws-as list --names`/' 'n/login/`aws-as list --names`/' 'n/serve/`aws-as list --names`/' 'n/completions/(bash zsh fish tcsh)/' 'n/--/`aws-as list --names`/' 'p/1/`aws-as list --names ; echo - exec credential-process write refresh export login list serve server completions help`/' ;
