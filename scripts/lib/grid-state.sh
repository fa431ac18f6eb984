# scripts/lib/grid-state.sh: both sites' state read and reset with curl (not with xsite, so that a
# bug in xsite cannot hide a change it made), for the scripts that must leave the grid as they found
# it (scripts/compare-cli, scripts/batch-interlock). Sourced, not run.
#
# Needs, from `eval "$(scripts/grid env)"`: XSITE_SITE_A_URL, XSITE_SITE_B_URL, XSITE_USERNAME,
# XSITE_PASSWORD, XSITE_SERVER_VERSION (14.x has the container routes under
# /rest/v2/cache-managers/default, 15 and later under /rest/v2/container).
#
#   gs_state             both sites' x-site state and cache contents, one fact a line (below)
#   gs_expected_state    the grid's starting state, in the same form
#   gs_reset             every backup online, push statuses cleared, modes MANUAL, take-offline
#                        configs 0/0, every cache empty
#   gs_rest SITE METHOD PATH [curl args]   one REST call as developer; body on stdout, exit 1 on
#                        a status outside 2xx
#   gs_put SITE CACHE KEY VALUE / gs_keys SITE CACHE   one text/plain entry / the keys (JSON array)
#
# gs_state prints, per site: the container's backup statuses; for each cache of GS_CACHES its backup
# statuses, push-state status, state-transfer mode and take-offline config toward the other site;
# then the entries (key -> value, sorted) of each of those caches and of the cache without backups.
# JSON is normalised with `jq -S -c` (sorted keys, one line): the answers' key order is not part of
# the state.

# The Keycloak caches scripts/grid creates, and its cache without backups, from scripts/harness.env
# (read in a subshell: its other keys stay out of the caller's shell).
GS_HARNESS=$(dirname "${BASH_SOURCE[0]}")/../harness.env
read -r -a GS_CACHES <<< "$(. "$GS_HARNESS" && echo "$KEYCLOAK_CACHES")"
GS_NO_BACKUPS=$(. "$GS_HARNESS" && echo "$NO_BACKUPS_CACHE")

gs_site_url() { # site -> base URL
  case $1 in
    site-a) echo "$XSITE_SITE_A_URL" ;;
    site-b) echo "$XSITE_SITE_B_URL" ;;
    *) echo "gs_site_url: unknown site '$1'" >&2; return 2 ;;
  esac
}
gs_other() { [[ $1 == site-a ]] && echo site-b || echo site-a; }
gs_container() { # the container route prefix of the running version
  case ${XSITE_SERVER_VERSION:?grid env not loaded} in
    14.*) echo cache-managers/default ;;
    *) echo container ;;
  esac
}

gs_rest() { # site method path [curl args...] -> body on stdout; exit 1 unless 2xx
  local site=$1 method=$2 path=$3 body code
  shift 3
  body=$(mktemp)
  code=$(curl -sS -o "$body" -w '%{http_code}' -u "$XSITE_USERNAME:$XSITE_PASSWORD" -X "$method" \
    "$(gs_site_url "$site")/rest/v2/$path" "$@") || { rm -f "$body"; return 1; }
  cat "$body"; rm -f "$body"
  [[ $code == 2* ]] || { echo "gs_rest: $method $path answered $code" >&2; return 1; }
}

gs_put() { # site cache key value
  gs_rest "$1" PUT "caches/$2/$3" -H 'Content-Type: text/plain; charset=UTF-8' --data-binary "$4" > /dev/null
}
gs_keys() { # site cache -> JSON array of keys
  gs_rest "$1" GET "caches/$2?action=keys"
}

gs_fetch() { # dir site path... : GETs over one connection; body k in dir/k, status codes in dir/codes
  local dir=$1 site=$2 base i=0 p args=()
  shift 2
  base=$(gs_site_url "$site")/rest/v2
  for p in "$@"; do i=$((i + 1)); args+=(-o "$dir/$i" "$base/$p"); done
  curl -sS -u "$XSITE_USERNAME:$XSITE_PASSWORD" -w '%{http_code}\n' "${args[@]}" > "$dir/codes"
}

gs_values() { # dir n -> bodies 1..n, one a line: JSON with sorted keys, else the text; `HTTP <code>: …` unless 2xx
  local dir=$1 n=$2 k files=() codes bodies
  for ((k = 1; k <= n; k++)); do files+=("$dir/$k"); done
  mapfile -t codes < "$dir/codes"
  # One awk and one jq for every body (a process per body is slow on a busy machine).
  mapfile -t bodies < <(awk 'BEGIN { for (i = 1; i < ARGC; i++) { t = ""; while ((getline l < ARGV[i]) > 0) t = t (t == "" ? "" : " ") l
                                     close(ARGV[i]); print t }; exit }' "${files[@]}" |
    jq -R -c -S '. as $t | try fromjson catch $t')
  for ((k = 0; k < n; k++)); do
    # jq prints a text that is not JSON as a JSON string: keep it as such, it is only compared.
    [[ ${codes[$k]:-} == 2* ]] && echo "${bodies[$k]:-}" || echo "HTTP ${codes[$k]:-none}: ${bodies[$k]:-}"
  done
}

gs_state() { # both sites, one fact a line (one curl process per site and round: cheap enough per file)
  local site other c k dir labels paths keys key values entries
  dir=$(mktemp -d)
  for site in site-a site-b; do
    other=$(gs_other "$site")
    labels=("container backups") paths=("$(gs_container)/x-site/backups/")
    for c in "${GS_CACHES[@]}"; do
      labels+=("$c backups" "$c push-state-status" "$c state-transfer-mode $other" "$c take-offline-config $other")
      paths+=("caches/$c/x-site/backups/" "caches/$c/x-site/backups?action=push-state-status"
        "caches/$c/x-site/backups/$other/state-transfer-mode" "caches/$c/x-site/backups/$other/take-offline-config")
    done
    for c in "${GS_CACHES[@]}" "$GS_NO_BACKUPS"; do
      labels+=("$c keys") paths+=("caches/$c?action=keys")
    done
    rm -f "$dir"/*
    gs_fetch "$dir" "$site" "${paths[@]}" || { rm -rf "$dir"; return 1; }
    echo "## $site"
    mapfile -t values < <(gs_values "$dir" "${#paths[@]}")
    for k in "${!labels[@]}"; do
      case ${labels[$k]} in
        *" keys")
          c=${labels[$k]% keys}
          keys=${values[$k]}
          entries='{}'
          if [[ $keys == '['*']' && $keys != '[]' ]]; then
            # The values too: a key that survived with another value is a change as well.
            entries=$(jq -r '.[]' <<< "$keys" | while IFS= read -r key; do
              jq -n -c --arg k "$key" --arg v "$(gs_rest "$site" GET "caches/$c/$key")" '{($k): $v}'
            done | jq -S -c -s 'add // {}')
          elif [[ $keys != '[]' ]]; then
            entries="unreadable ($keys)"
          fi
          echo "$c entries: $entries" ;;
        *) echo "${labels[$k]}: ${values[$k]}" ;;
      esac
    done
  done
  rm -rf "$dir"
}

gs_expected_state() { # the starting state scripts/grid creates, as gs_state prints it
  local site other c
  for site in site-a site-b; do
    other=$(gs_other "$site")
    echo "## $site"
    echo "container backups: {\"$other\":{\"status\":\"online\"}}"
    for c in "${GS_CACHES[@]}"; do
      echo "$c backups: {\"$other\":{\"status\":\"online\"}}"
      echo "$c push-state-status: {\"$other\":\"IDLE\"}"
      echo "$c state-transfer-mode $other: \"MANUAL\""
      echo "$c take-offline-config $other: {\"after_failures\":0,\"min_wait\":0}"
    done
    for c in "${GS_CACHES[@]}" "$GS_NO_BACKUPS"; do echo "$c entries: {}"; done
  done
}

gs_reset() { # back to the starting state; best effort, the caller checks gs_state afterwards
  local site other c
  for site in site-a site-b; do
    other=$(gs_other "$site")
    gs_rest "$site" POST "$(gs_container)/x-site/backups/$other?action=bring-online" > /dev/null 2>&1 || true
    # One cache at a time: concurrent x-site state changes deadlock 15.0+ (DIFFERENCES.md, D).
    for c in "${GS_CACHES[@]}"; do
      gs_rest "$site" POST "caches/$c/x-site/local?action=clear-push-state-status" > /dev/null 2>&1 || true
      gs_rest "$site" PUT "caches/$c/x-site/backups/$other/take-offline-config" \
        -H 'Content-Type: application/json' --data '{"after_failures":0,"min_wait":0}' > /dev/null 2>&1 || true # 304: unchanged
    done
  done
  for site in site-a site-b; do
    for c in "${GS_CACHES[@]}" "$GS_NO_BACKUPS"; do
      gs_rest "$site" POST "caches/$c?action=clear" > /dev/null 2>&1 || true
    done
  done
}
