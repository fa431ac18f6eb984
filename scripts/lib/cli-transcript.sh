#!/usr/bin/env bash
# cli-transcript.sh VERSION USER:PASS NAME.cli OUT.md : run scripts/ispn-cli in batch mode (-f) against site-a
# of the running grid and write stdout, stderr (both through `cat -A`, so escape codes and line ends are
# visible) and the exit code to OUT.md.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
V=$1 CRED=$2 CLI=$3 OUT=$4
T=$(mktemp -d)
URL="http://$CRED@127.0.0.1:11222"
OUT=$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")
# run from the batch file's folder with a relative name: the CLI repeats the -f argument in its error lines
(cd "$(dirname "$CLI")" && "$ROOT/scripts/ispn-cli" --version "$V" -- -c "$URL" -f "$(basename "$CLI")") \
  > "$T/out" 2> "$T/err" < /dev/null
RC=$?
{
  echo "# CLI transcript: $(basename "$CLI") against Infinispan $V"
  echo
  echo "Command (site-a of \`scripts/grid up --version $V\`; stdin is /dev/null, not a terminal):"
  echo
  echo '```sh'
  echo "cd docs/real-server/cli-samples && ../../../scripts/ispn-cli --version $V -- -c $URL -f $(basename "$CLI")"
  echo '```'
  echo
  echo "Batch file \`$(basename "$CLI")\`:"
  echo
  echo '```'
  cat "$CLI"
  echo '```'
  echo
  echo "Exit code: **$RC**"
  echo
  echo "stdout through \`cat -A\` (\`\$\` = end of line, \`^[\` = ESC):"
  echo
  echo '```'
  cat -A "$T/out"
  echo '```'
  echo
  echo "stderr through \`cat -A\`:"
  echo
  echo '```'
  cat -A "$T/err"
  echo '```'
} > "$OUT"
rm -rf "$T"
echo "$OUT: exit $RC" >&2
