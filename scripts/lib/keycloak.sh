# scripts/lib/keycloak.sh: the Keycloak 26 part of scripts/grid (`up --keycloak`): one PostgreSQL on
# loopback shared by both sites, and one Keycloak per site connected to its own site's Infinispan the
# way the Keycloak 26 multi-site guide does it. Sourced by scripts/grid, not run; uses its GRID, SITES,
# OTHER, REST_PORT, ADMIN_USER, ADMIN_PASSWORD, STOP_TIMEOUT, log, die, acurl, site_url, fail_start,
# set_state.
#
# Pairing: the Keycloak distribution's own Infinispan client decides the server line. Keycloak 26.4.x
# and 26.5.x ship infinispan-core 15.0.x and their guide requires Infinispan 15.0.19+ (Data Grid 8.5.3+):
# the grid runs 15.0.21.Final, the newest 15.0.x with server jars on Maven Central. Keycloak 26.7.x ships
# 16.0.x (its guide's Infinispan CR names 16.0.x): 16.0.7. The default, 26.5.6, is the newest Keycloak
# of the Infinispan 15 line; it runs on JDK 17.
#
# Caches (KC_CACHES): the four the Keycloak 26 guide ("Deploy Infinispan for HA with the Infinispan
# Operator", step "Creating the caches for Keycloak"; the keycloak-benchmark ispn-helm chart it is
# generated from) prescribes, with its Cache CR template: distributed SYNC, owners 2, statistics,
# remote-timeout 5000, protostream encoding, lock acquire-timeout 4000, NON_DURABLE_XA transactions
# with PESSIMISTIC locking, state-transfer chunk 16, indexing of authenticationSessions and
# loginFailures (with startup-mode NONE on Infinispan 16, as the chart since 16.0.7), a SYNC backup to
# the other site with timeout 4500 and failure-policy FAIL. The guide
# sets no take-offline (Infinispan's default: never automatic) and no merge policy (the chart adds one
# only for ASYNC backups).
#
# Layout (under target/grid/):
#   keycloak/<V>/keycloak-<V>/   the distribution, built once (`kc.sh build`, options in .built)
#   run/kc-site-{a,b}/           per-site homes: hard-link copies of the built distribution, wiped on `up`
#   pg/data, pg/run              PostgreSQL cluster (wiped on `up`) and its socket directory
#   logs/kc-site-{a,b}.out, logs/postgres.log, logs/kc-build-<V>.log, logs/mvn-keycloak-<V>.log
#
# Ports: PostgreSQL 127.0.0.1:15432 (not 5432, which a system PostgreSQL may hold; below the ephemeral
#        range 32768-60999: a first try on 55432 failed with "Address already in use", nothing listening);
#        Keycloak site-a HTTP 8080, management 9000; site-b HTTP 8180, management 9100.
# Keycloak admin: admin / admin-password (bootstrap admin of the master realm).
# The database: keycloak / keycloak-password, database keycloak. PostgreSQL refuses to run as root:
# as root the cluster runs as the OS user `postgres` (created by the Debian package) or, when absent,
# a system user `xsite-pg` created here.

KC_DEFAULT_VERSION=26.5.6
declare -A KC_ISPN_FOR_CLIENT=([15]=15.0.21.Final [16]=16.0.7)
KC_CACHES=(actionTokens authenticationSessions loginFailures work)
declare -A KC_INDEXED_ENTITY=([authenticationSessions]=keycloak.RootAuthenticationSessionEntity
                              [loginFailures]=keycloak.LoginFailureEntity)
declare -A KC_HTTP_PORT=([site-a]=8080 [site-b]=8180)
declare -A KC_MGMT_PORT=([site-a]=9000 [site-b]=9100)
KC_ADMIN=admin
KC_ADMIN_PASSWORD=admin-password
KC_START_TIMEOUT=${XSITE_GRID_KEYCLOAK_START_TIMEOUT:-300} # per Keycloak, seconds
# Build-time options (kc.sh build); a change rebuilds the cached distribution.
KC_BUILD_OPTS=(--db=postgres --features=multi-site --health-enabled=true --transaction-xa-enabled=false)

PG_PORT=15432
PG_DB=keycloak
PG_USER=keycloak
PG_PASSWORD=keycloak-password
PG_MAJOR=15

kc_ports() { echo "$PG_PORT ${KC_HTTP_PORT[*]} ${KC_MGMT_PORT[*]}"; }

kc_url() { echo "http://127.0.0.1:${KC_HTTP_PORT[$1]}"; }

# ---------------------------------------------------------------------------------------------------
# Keycloak distribution

kc_home_of() { echo "$GRID/keycloak/$1/keycloak-$1"; }

kc_fetch_dist() { # version: the unzipped distribution under keycloak/<V>/
  local v=$1 d=$GRID/keycloak/$1 mlog=$GRID/logs/mvn-keycloak-$1.log t0=$SECONDS
  [[ -f $d/.unzipped ]] && return 0
  command -v unzip >/dev/null 2>&1 || die "unzip not found on PATH (apt-get install unzip)"
  log "resolving Keycloak $v (org.keycloak:keycloak-quarkus-dist:$v:zip) from Maven Central (log: $mlog)"
  rm -rf "$d"; mkdir -p "$d" "$GRID/logs"
  if ! mvn -B "$DEP_PLUGIN:copy" -Dartifact="org.keycloak:keycloak-quarkus-dist:$v:zip" \
        -DoutputDirectory="$d" -Dmdep.overWriteReleases=true > "$mlog" 2>&1; then
    grep -E 'Could not|ERROR\] Failed' "$mlog" | head -n 3 >&2 || true
    die "org.keycloak:keycloak-quarkus-dist:$v:zip could not be resolved (see $mlog)"
  fi
  unzip -q "$d/keycloak-quarkus-dist-$v.zip" -d "$d" || die "unzip of the Keycloak $v distribution failed"
  rm -f "$d/keycloak-quarkus-dist-$v.zip"
  [[ -x $(kc_home_of "$v")/bin/kc.sh ]] || die "bin/kc.sh missing in the Keycloak $v distribution"
  touch "$d/.unzipped"
  log "Keycloak $v resolved and unpacked in $((SECONDS - t0))s"
}

kc_client_major() { # version -> major of the Infinispan client the distribution ships
  local jar
  jar=$(ls "$(kc_home_of "$1")"/lib/lib/main/org.infinispan.infinispan-core-*.jar 2>/dev/null | head -n 1)
  [[ -n $jar ]] || die "no infinispan-core jar in the Keycloak $1 distribution"
  jar=${jar##*/org.infinispan.infinispan-core-}
  echo "${jar%%.*}"
}

kc_infinispan_for() { # keycloak-version -> the Infinispan server version the grid pairs with it
  local m
  m=$(kc_client_major "$1")
  [[ -n ${KC_ISPN_FOR_CLIENT[$m]:-} ]] || die "Keycloak $1 ships an Infinispan $m client; the harness knows servers for ${!KC_ISPN_FOR_CLIENT[*]} only"
  echo "${KC_ISPN_FOR_CLIENT[$m]}"
}

kc_check_pairing() { # keycloak-version infinispan-version: refuse a server older than the client line
  local m
  m=$(kc_client_major "$1")
  (( $(major_of "$2") >= m )) || die "Keycloak $1 ships an Infinispan $m client and needs Infinispan $m or later (the guide: 15.0.19+); --version $2 is older"
}

kc_build() { # version: kc.sh build once per distribution and build options
  local v=$1 home blog=$GRID/logs/kc-build-$1.log t0=$SECONDS
  home=$(kc_home_of "$v")
  if [[ -f $home/.built && $(cat "$home/.built") == "${KC_BUILD_OPTS[*]}" ]]; then
    log "Keycloak $v: already built (${KC_BUILD_OPTS[*]})"
    return 0
  fi
  log "Keycloak $v: kc.sh build ${KC_BUILD_OPTS[*]} (log: $blog)"
  rm -f "$home/.built"
  "$home/bin/kc.sh" build "${KC_BUILD_OPTS[@]}" > "$blog" 2>&1 || { tail -n 30 "$blog" >&2; die "kc.sh build failed (see $blog)"; }
  echo "${KC_BUILD_OPTS[*]}" > "$home/.built"
  log "Keycloak $v built in $((SECONDS - t0))s"
}

# ---------------------------------------------------------------------------------------------------
# PostgreSQL

PG_BIN=
pg_bin() { # -> PG_BIN (empty when PostgreSQL is not installed)
  PG_BIN=/usr/lib/postgresql/$PG_MAJOR/bin
  [[ -x $PG_BIN/initdb ]] && return 0
  PG_BIN=
  if command -v initdb >/dev/null 2>&1; then PG_BIN=$(dirname "$(command -v initdb)"); fi
  [[ -n $PG_BIN ]]
}

pg_find() { # -> PG_BIN; installs postgresql-15 with apt-get when absent and allowed (root)
  if ! pg_bin; then
    if (( EUID == 0 )) && command -v apt-get >/dev/null 2>&1; then
      log "PostgreSQL $PG_MAJOR not found: apt-get install -y postgresql-$PG_MAJOR"
      DEBIAN_FRONTEND=noninteractive apt-get install -y "postgresql-$PG_MAJOR" > "$GRID/logs/apt-postgresql.log" 2>&1 ||
        { tail -n 20 "$GRID/logs/apt-postgresql.log" >&2; die "apt-get install postgresql-$PG_MAJOR failed"; }
    else
      die "PostgreSQL $PG_MAJOR not found (apt-get install -y postgresql-$PG_MAJOR)"
    fi
    pg_bin || die "PostgreSQL binaries (initdb, pg_ctl) not found after installing postgresql-$PG_MAJOR"
  fi
}

PG_OS_USER=
pg_os_user() { # -> PG_OS_USER: empty when not root (the cluster runs as the caller)
  PG_OS_USER=
  (( EUID == 0 )) || return 0
  if id -u postgres >/dev/null 2>&1; then
    PG_OS_USER=postgres
  else
    id -u xsite-pg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin xsite-pg ||
      die "could not create the system user xsite-pg for PostgreSQL (initdb refuses root)"
    PG_OS_USER=xsite-pg
  fi
}

pg_as() { # command...: run as the PostgreSQL OS user
  if [[ -n $PG_OS_USER ]]; then runuser -u "$PG_OS_USER" -- "$@"; else "$@"; fi
}

pg_pid() { # -> the postmaster pid of our cluster, when it runs
  local pid
  pid=$(head -n 1 "$GRID/pg/data/postmaster.pid" 2>/dev/null) || return 1
  [[ -n $pid && -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$GRID/pg/data" || return 1
  echo "$pid"
}

pg_up() { # PG_BIN and PG_OS_USER set by kc_prepare; failures stop everything (kc_fail)
  local t0=$SECONDS p=$GRID/pg
  rm -rf "$p"; mkdir -p "$p/run"
  printf '%s\n' "$PG_PASSWORD" > "$p/pwfile"
  if [[ -n $PG_OS_USER ]]; then
    chown -R "$PG_OS_USER:" "$p"
    pg_as test -x "$p/run" || kc_fail "the PostgreSQL user $PG_OS_USER cannot reach $p (a parent directory is not searchable by others)"
  fi
  # The superuser is the harness's database user: a throw-away cluster on loopback.
  pg_as "$PG_BIN/initdb" -D "$p/data" -U "$PG_USER" --pwfile="$p/pwfile" --auth-local=trust \
    --auth-host=scram-sha-256 -E UTF8 --locale=C > "$GRID/logs/postgres-initdb.log" 2>&1 ||
    { tail -n 20 "$GRID/logs/postgres-initdb.log" >&2; kc_fail "initdb failed"; }
  rm -f "$p/pwfile"
  echo "postgres=$p/data" >> "$GRID/state"
  pg_as "$PG_BIN/pg_ctl" -D "$p/data" -l "$p/postgres.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories=$p/run" \
    > "$GRID/logs/postgres-ctl.log" 2>&1 9>&- ||
    { cat "$p/postgres.log" >&2 2>/dev/null; kc_fail "PostgreSQL did not start (log: $p/postgres.log)"; }
  pg_as "$PG_BIN/psql" -h "$p/run" -p "$PG_PORT" -U "$PG_USER" -d postgres -v ON_ERROR_STOP=1 -q \
    -c "CREATE DATABASE $PG_DB OWNER $PG_USER" > "$GRID/logs/postgres-psql.log" 2>&1 ||
    { cat "$GRID/logs/postgres-psql.log" >&2; kc_fail "creating database $PG_DB failed"; }
  log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') ready on 127.0.0.1:$PG_PORT (pid $(pg_pid), OS user ${PG_OS_USER:-$(id -un)}) in $((SECONDS - t0))s"
}

pg_down() {
  local pid i
  pid=$(pg_pid) || return 0
  pg_os_user
  if pg_bin; then
    pg_as "$PG_BIN/pg_ctl" -D "$GRID/pg/data" -m fast -w -t "$STOP_TIMEOUT" stop > /dev/null 2>&1 || true
  fi
  for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    ((i == 0)) && kill -TERM "$pid" 2>/dev/null
    sleep 0.1
  done
  log "PostgreSQL (pid $pid) still alive after ${STOP_TIMEOUT}s; SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
}

# ---------------------------------------------------------------------------------------------------
# Infinispan caches as the guide prescribes

kc_cache_xml() { # cache backup-site infinispan-version
  local c=$1 other=$2 idx="" startup=""
  # Infinispan 16 checks the indexed entities against the registered schemas when the cache starts;
  # Keycloak registers its schema only when it starts itself. The chart's answer since its move to
  # 16.0.7 (keycloak-benchmark 30de68c4, keycloak/keycloak#46013): no indexing work at cache start.
  (( $(major_of "$3") >= 16 )) && startup=' startup-mode="NONE"'
  if [[ -n ${KC_INDEXED_ENTITY[$c]:-} ]]; then
    idx="<indexing enabled=\"true\"$startup><indexed-entities><indexed-entity>${KC_INDEXED_ENTITY[$c]}</indexed-entity></indexed-entities></indexing>"
  fi
  printf '%s' "<distributed-cache name=\"$c\" mode=\"SYNC\" owners=\"2\" statistics=\"true\" remote-timeout=\"5000\">" \
    "<encoding media-type=\"application/x-protostream\"/>" \
    "<locking acquire-timeout=\"4000\"/>" \
    "<transaction mode=\"NON_DURABLE_XA\" locking=\"PESSIMISTIC\"/>" \
    "<state-transfer chunk-size=\"16\"/>" "$idx" \
    "<backups><backup site=\"$other\" strategy=\"SYNC\" timeout=\"4500\" failure-policy=\"FAIL\">" \
    "<state-transfer chunk-size=\"16\"/></backup></backups></distributed-cache>"
}

# ---------------------------------------------------------------------------------------------------
# Keycloak per site

kc_pid_is_ours() { # pid site: the pid is kc.sh of that site's home (the leader of its process group)
  [[ -n $1 && -r /proc/$1/cmdline ]] || return 1
  tr '\0' ' ' < "/proc/$1/cmdline" | grep -qF -- "$GRID/run/kc-$2/" || return 1
}

kc_group_alive() { # pid: kc.sh runs the JVM as a child, in the group setsid gave it
  [[ -n $1 ]] && kill -0 -- "-$1" 2>/dev/null
}

kc_ready() { # site -> 0 when the management port answers UP on /health/ready
  # The top-level status: 26.7.3 answers {"status":"DOWN","checks":[{"name":"Graceful Shutdown",
  # "status":"UP"},{"name":"Keycloak Initialized","status":"DOWN"}]} while it bootstraps.
  curl -sS --max-time 5 "http://127.0.0.1:${KC_MGMT_PORT[$1]}/health/ready" 2>/dev/null | jq -e '.status == "UP"' > /dev/null 2>&1
}

kc_fail() { # message: Keycloak-side failure during up: report, stop everything, exit 1
  local s
  log "$1"
  for s in "${SITES[@]}"; do
    if [[ -s $GRID/logs/kc-$s.out ]]; then
      log "---- last 25 lines of $GRID/logs/kc-$s.out ----"
      tail -n 25 "$GRID/logs/kc-$s.out" >&2 || true
    fi
  done
  do_down > /dev/null 2>&1 || true
  exit 1
}

kc_start() { # site version -> echoes pid
  local s=$1 v=$2 home=$GRID/run/kc-$1 out=$GRID/logs/kc-$1.out
  rm -rf "$home"; mkdir -p "$GRID/run"
  # Hard links: `start --optimized` does not write into the distribution; data/ is per site.
  cp -al "$(kc_home_of "$v")" "$home"
  rm -rf "$home/data"
  : > "$out"
  # Secrets through the environment, not the command line (visible in ps).
  KC_BOOTSTRAP_ADMIN_USERNAME=$KC_ADMIN KC_BOOTSTRAP_ADMIN_PASSWORD=$KC_ADMIN_PASSWORD \
  KC_DB_PASSWORD=$PG_PASSWORD KC_CACHE_REMOTE_PASSWORD=$ADMIN_PASSWORD \
  JAVA_OPTS_KC_HEAP="-Xms64m -Xmx512m" MALLOC_ARENA_MAX=1 \
    setsid nohup "$home/bin/kc.sh" start --optimized \
      --http-enabled=true --http-host=127.0.0.1 --http-port="${KC_HTTP_PORT[$s]}" \
      --http-management-port="${KC_MGMT_PORT[$s]}" --hostname-strict=false \
      --db-url="jdbc:postgresql://127.0.0.1:$PG_PORT/$PG_DB" --db-username="$PG_USER" \
      --cache-remote-host=127.0.0.1 --cache-remote-port="${REST_PORT[$s]}" \
      --cache-remote-username="$ADMIN_USER" --cache-remote-tls-enabled=false \
      < /dev/null >> "$out" 2>&1 9>&- &
  echo $!
}

kc_wait_ready() { # site pid
  local s=$1 pid=$2 deadline=$((SECONDS + KC_START_TIMEOUT))
  while :; do
    kill -0 "$pid" 2>/dev/null || kc_fail "Keycloak $s (pid $pid) exited during start-up (log: $GRID/logs/kc-$s.out)"
    kc_ready "$s" && return 0
    (( SECONDS < deadline )) || kc_fail "Keycloak $s not ready after ${KC_START_TIMEOUT}s (log: $GRID/logs/kc-$s.out)"
    sleep 1
  done
}

kc_prepare() { # version: everything that may fail before any server starts (die is enough here)
  command -v jq >/dev/null 2>&1 || die "jq not found on PATH (apt-get install jq)"
  kc_fetch_dist "$1"
  kc_build "$1"
  pg_find
  pg_os_user
}

kc_up() { # version: PostgreSQL, then one Keycloak after the other, each timed until ready
  local v=$1 s pid ts t0=$SECONDS
  # kc_fail shows the logs that exist: none from an earlier run.
  for s in "${SITES[@]}"; do rm -f "$GRID/logs/kc-$s.out"; done
  pg_up
  echo "keycloak=$v" >> "$GRID/state"
  # One at a time: two Keycloaks starting together on the empty database race on creating Liquibase's
  # databasechangelog table (the loser fails: relation "databasechangelog" already exists).
  for s in "${SITES[@]}"; do
    ts=$SECONDS
    pid=$(kc_start "$s" "$v")
    echo "pid_kc_$s=$pid" >> "$GRID/state"
    log "started Keycloak $v $s (pid $pid, $(kc_url "$s"), management :${KC_MGMT_PORT[$s]}, Infinispan 127.0.0.1:${REST_PORT[$s]})"
    kc_wait_ready "$s" "$pid"
    log "Keycloak $s ready (/health/ready UP) after $((SECONDS - ts))s"
  done
  # The HTTP port too: the realm endpoint, and the multi-site load-balancer probe (UP while Keycloak
  # reaches its site's Infinispan and database).
  for s in "${SITES[@]}"; do
    curl -sS -f --max-time 10 -o /dev/null "$(kc_url "$s")/realms/master" ||
      kc_fail "Keycloak $s: GET $(kc_url "$s")/realms/master failed"
    [[ $(curl -sS --max-time 10 "$(kc_url "$s")/lb-check" 2>/dev/null) == UP ]] ||
      kc_fail "Keycloak $s: GET $(kc_url "$s")/lb-check is not UP"
  done
  log "Keycloak part up (PostgreSQL + 2 Keycloaks) in $((SECONDS - t0))s"
}

kc_read_state() { # -> KS_VERSION, KS_PID_A, KS_PID_B, KS_PG (from the grid's state file)
  KS_VERSION= KS_PID_A= KS_PID_B= KS_PG=
  [[ -f $GRID/state ]] || return 1
  local k v
  while IFS='=' read -r k v; do
    case $k in
      keycloak) KS_VERSION=$v ;; pid_kc_site-a) KS_PID_A=$v ;; pid_kc_site-b) KS_PID_B=$v ;; postgres) KS_PG=$v ;;
    esac
  done < "$GRID/state"
}

kc_pid_of() { # site -> the Keycloak pid the state file names for it (kc_read_state first)
  if [[ $1 == site-b ]]; then echo "$KS_PID_B"; else echo "$KS_PID_A"; fi
}

kc_stop() { # site...: stops those sites' Keycloaks of the state file, each with its whole process group
  local s pid i
  local live=()
  for s in "$@"; do
    pid=$(kc_pid_of "$s")
    # The whole group: TERM to kc.sh alone leaves its JVM running.
    if kc_pid_is_ours "$pid" "$s"; then kill -TERM -- "-$pid" 2>/dev/null || true; live+=("$s:$pid"); fi
  done
  for s in "${live[@]}"; do
    pid=${s#*:}
    for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
      kc_group_alive "$pid" || break
      sleep 0.1
    done
    if kc_group_alive "$pid"; then
      log "Keycloak ${s%%:*} (process group $pid) still alive after ${STOP_TIMEOUT}s; SIGKILL"
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    log "Keycloak ${s%%:*} stopped"
  done
}

kc_down() { # stops the Keycloaks and PostgreSQL of the state file (also after a failed up)
  kc_read_state || return 0
  kc_stop "${SITES[@]}"
  if pg_pid > /dev/null; then pg_down; log "PostgreSQL stopped"; fi
}

kc_start_site() { # site: starts one site's Keycloak again (start-site), waits until it is ready
  local s=$1 pid ts=$SECONDS
  kc_read_state
  if kc_pid_is_ours "$(kc_pid_of "$s")" "$s"; then
    log "Keycloak $s already runs (pid $(kc_pid_of "$s"))"
    return 0
  fi
  pg_pid > /dev/null || die "PostgreSQL is not running: scripts/grid up --keycloak first"
  rm -f "$GRID/logs/kc-$s.out"
  pid=$(kc_start "$s" "$KS_VERSION")
  set_state "pid_kc_$s" "$pid"
  log "started Keycloak $KS_VERSION $s (pid $pid, $(kc_url "$s"), Infinispan 127.0.0.1:${REST_PORT[$s]})"
  kc_wait_ready "$s" "$pid"
  [[ $(curl -sS --max-time 10 "$(kc_url "$s")/lb-check" 2>/dev/null) == UP ]] ||
    kc_fail "Keycloak $s: GET $(kc_url "$s")/lb-check is not UP"
  log "Keycloak $s ready (/health/ready UP, /lb-check UP) after $((SECONDS - ts))s"
}

kc_healthy() { # -> 0 when both Keycloaks of the state file run and are ready, and PostgreSQL runs
  kc_read_state || return 1
  [[ -n $KS_VERSION ]] || return 1
  kc_pid_is_ours "$KS_PID_A" site-a && kc_pid_is_ours "$KS_PID_B" site-b && pg_pid > /dev/null &&
    kc_ready site-a && kc_ready site-b
}

kc_status() { # the Keycloak lines of `status`; returns 1 when something is down
  kc_read_state || return 0
  [[ -n $KS_VERSION || -n $KS_PG ]] || return 0
  local s pid rc=0 pgpid
  if pgpid=$(pg_pid); then
    echo "postgres: pid $pgpid, 127.0.0.1:$PG_PORT, database $PG_DB"
  else
    echo "postgres: not running"; rc=1
  fi
  for s in "${SITES[@]}"; do
    pid=$KS_PID_A; [[ $s == site-b ]] && pid=$KS_PID_B
    if kc_pid_is_ours "$pid" "$s"; then
      local r=not-ready
      kc_ready "$s" && r=ready
      echo "keycloak $s: $KS_VERSION, pid $pid, $(kc_url "$s"), management :${KC_MGMT_PORT[$s]}, $r"
      [[ $r == ready ]] || rc=1
    else
      echo "keycloak $s: not running (pid ${pid:-?} gone)"; rc=1
    fi
  done
  return $rc
}

kc_print_env() { # the Keycloak lines of `env`
  echo "export XSITE_KEYCLOAK_SITE_A_URL=$(kc_url site-a)"
  echo "export XSITE_KEYCLOAK_SITE_B_URL=$(kc_url site-b)"
  echo "export XSITE_KEYCLOAK_ADMIN=$KC_ADMIN"
  echo "export XSITE_KEYCLOAK_ADMIN_PASSWORD=$KC_ADMIN_PASSWORD"
}
