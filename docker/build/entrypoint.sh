#!/usr/bin/env bash
# FABLE build container entrypoint: runs one phase of a build (core | oi | worker) with
# Claude Code on Amazon Bedrock, non-interactively, and ALWAYS leaves a result in S3.
#
# Environment (contract: DESIGN.md section 6)
#   FABLE_PHASE                  core | oi | worker                                   (required)
#   FABLE_BUILD_ID               ^[A-Za-z0-9-]{1,80}$                                (required)
#   FABLE_SPEC_KEY               S3 key of the spec, normally builds/<id>/spec.json   (required)
#   ARTIFACTS_BUCKET             artifacts bucket name                                (required)
#   AWS_REGION                   region for Bedrock and S3 (task definition)          (required)
#   FABLE_PHASE_TIMEOUT_SECONDS  wall-clock limit of the agent, positive integer; when unset, the
#                                phase's own FABLE_CORE_TIMEOUT_SECONDS / FABLE_OI_TIMEOUT_SECONDS
#                                (the task definition sets both), else 2700
#   FABLE_WORKER_ID              ^[A-Za-z0-9-]{1,40}$                                 (worker only)
#   FABLE_WORKER_TASK_FILE       file with the worker's sub-task (Markdown/text)      (worker only)
#   FABLE_WORKSPACE              the starting phase's workspace (its input/spec.json) (worker only;
#                                the agent's environment has it)
#   FABLE_MAX_TURNS              optional cap on agent turns (claude --max-turns)
#   FABLE_WORK_DIR               writable work volume           (default /work; tests override)
#   FABLE_PROMPTS_DIR            prompt templates <phase>.md    (default /opt/fable/prompts)
#   FABLE_AGENT_ROLE_ARN         the agent's role fable-<stage>-build-agent           (core / oi)
#   FABLE_AGENT_UID/_GID         the agent's Unix user                        (default 10002)
#   FABLE_CREDENTIALS_SERVER     the agent's credential endpoint (default /opt/fable/agent-credentials.mjs)
#   HOME, TMPDIR                 must be writable; the image sets /work/home and /work/tmp
#   Claude Code settings (CLAUDE_CODE_USE_BEDROCK=1, ANTHROPIC_MODEL, ...) pass through as set.
#
# Two principals (DESIGN.md section 6). This script starts as root and keeps the task role
# (spec, outputs, tool packages). Claude Code runs as its own Unix user (FABLE_AGENT_UID), with
# none of the task role's credential variables, no capabilities and no_new_privs; its only AWS
# credentials are the agent role's, served by agent-credentials.mjs (run by this script's user)
# on loopback through AWS_CONTAINER_CREDENTIALS_FULL_URI + AWS_CONTAINER_AUTHORIZATION_TOKEN. The
# agent cannot read this script's environment (/proc/<pid>/environ of another uid) or its
# private directory (0700, sticky /tmp), and everything read back from the agent's workspace is
# read as the agent's user, so a planted symlink reaches nothing the agent could not read itself.
# A worker runs inside an agent: it keeps that user and those credentials, and writes its record
# to <work>/worker-<id>/result.json instead of S3 (the agent has no S3 access).
#
# Layout under FABLE_WORK_DIR (the only place written to, besides HOME and TMPDIR):
#   <label>/                 label = core | oi | worker-<FABLE_WORKER_ID>; the agent's cwd
#     input/spec.json        the spec;  oi: input/core-output.json;  worker: input/task.md
#     project/               the implementation (core writes it; oi starts from core's copy)
#     TASK.md                the rendered instructions (also the agent's prompt, via stdin)
#     output.json            written by the agent
#     packages/<tool>.zip    oi: each tool's Lambda package (uploaded by this script)
#     .fable/agent.log       the agent's (scrubbed) stream-json log
#
# Results (S3, bucket ARTIFACTS_BUCKET):
#   builds/<id>/<phase>-output.json                core / oi
#   builds/<id>/core-workspace.tar.gz               core's project/ (read back by oi)
#   tools/<toolName>/<sha256>.zip                    oi: the packages (the record lists s3Key, sha256)
#   worker: <work>/worker-<FABLE_WORKER_ID>/result.json (local, same shape)
#   success: {"status":"success", ...agent output fields, "phase", "buildId", "finishedAt"}
#   failure: {"status":"failed", "phase", "buildId", "error", "finishedAt"} (uploaded by the EXIT
#            trap whatever went wrong; only impossible when phase/build id/bucket are unusable)
#
# Exit codes: 0 success, 2 bad environment, 3 input download/validation, 4 agent failed,
#   5 invalid output.json, 6 upload failed, 124 agent timed out, 128+n terminated by signal n.
#
# Secrets: never `set -x`, never print the environment. Values of credential-like variables
# (AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_ACCESS_KEY_ID, AWS_CONTAINER_CREDENTIALS_*,
# *TOKEN, *SECRET*, *PASSWORD*, *API_KEY* ...; values of 8+ characters) are replaced by
# [REDACTED] in the streamed agent log, in error messages and in the uploaded records.
set -Eeuo pipefail
shopt -u patsub_replacement 2>/dev/null || true
# Default umask on purpose: the agent zips files for Lambda, whose runtime user must be able to
# read them (0644/0755). The volume is private to the task anyway.
umask 022

readonly DEFAULT_TIMEOUT_SECONDS=2700
readonly KILL_GRACE_SECONDS=15
readonly MAX_OUTPUT_BYTES=131072
readonly MAX_PACKAGE_BYTES=52428800 # Lambda's limit for a zip uploaded directly
readonly MAX_INLINE_SPEC_BYTES=32768
readonly MAX_ERROR_CHARS=2000
readonly TOOL_NAME_RE='^[a-z][a-z0-9-]{1,39}$'
readonly REDACTED='[REDACTED]'
readonly CREDENTIALS_PATH=/agent-credentials

CAN_REPORT=0        # 1 once phase, build id and bucket are known good (a record can be uploaded)
REPORT_KEY=""
REPORT_FILE=""
REPORT_DEST=""
PHASE=""
DONE=0
FAIL_REASON=""
AGENT_PID=""
FILTER_PID=""
WS=""
SPEC_PRETTY=""
STATE_DIR=""
AGENT_LOG=""
AGENT_LOG_FD=""
PRIVATE_DIR=""
CRED_PID=""
AGENT_TOKEN=""
AGENT_ENDPOINT=""
SETPRIV_ARGS=()
AS_AGENT=()
AGENT_ENV=()
SECRET_NAMES=()
SECRET_VALUES=()

# now -> REPLY: current UTC time, ISO 8601 (bash builtin, no process).
now() { TZ=UTC0 printf -v REPLY '%(%Y-%m-%dT%H:%M:%SZ)T' -1; }
log() {
  local REPLY
  now
  printf '[fable-entrypoint] %s %s\n' "$REPLY" "$*"
}
log_err() {
  local REPLY
  now
  printf '[fable-entrypoint] %s ERROR %s\n' "$REPLY" "$*" >&2
}

# Names (never values) of the variables whose values must not leave the container.
collect_secrets() {
  local name value
  while IFS= read -r name; do
    case $name in
      AWS_SECRET_ACCESS_KEY | AWS_SESSION_TOKEN | AWS_SECURITY_TOKEN | AWS_ACCESS_KEY_ID) ;;
      AWS_CONTAINER_CREDENTIALS_* | AWS_CONTAINER_AUTHORIZATION_TOKEN* | AWS_BEARER_TOKEN_*) ;;
      *SECRET* | *TOKEN | *_TOKEN_* | *PASSWORD* | *PASSWD* | *API_KEY* | *PRIVATE_KEY*) ;;
      *) continue ;;
    esac
    value=${!name-}
    if ((${#value} >= 8)); then
      SECRET_NAMES+=("$name")
      SECRET_VALUES+=("$value")
    fi
  done < <(compgen -e)
}

# scrub TEXT -> REPLY with every secret value replaced.
scrub() {
  REPLY=$1
  local value
  for value in "${SECRET_VALUES[@]}"; do
    REPLY=${REPLY//"$value"/"$REDACTED"}
  done
}

# fail CODE MESSAGE...: record why, then exit (the EXIT trap reports it).
fail() {
  local code=$1
  shift
  FAIL_REASON=$*
  exit "$code"
}

on_err() {
  local rc=$1 line=$2
  if [[ -z $FAIL_REASON ]]; then
    FAIL_REASON="unexpected error at entrypoint line $line (exit code $rc)"
  fi
}

on_signal() {
  local sig=$1 num=$2
  FAIL_REASON="terminated by SIG$sig (task stopped or timed out from outside)"
  exit $((128 + num))
}

stop_agent() {
  if [[ -n $AGENT_PID ]]; then
    # timeout(1) forwards the signal to the agent and its process group.
    kill -TERM "$AGENT_PID" 2>/dev/null || true
    kill -TERM -- "-$AGENT_PID" 2>/dev/null || true
    wait "$AGENT_PID" 2>/dev/null || true
    AGENT_PID=""
  fi
  drain_filter
}

# Waits up to 5 s for the log filter to reach the end of the agent's output, then stops it
# (a background process left by the agent may keep the pipe open).
drain_filter() {
  [[ -n $FILTER_PID ]] || return 0
  local i snooze_fd
  exec {snooze_fd}<> <(:) # an fd that never has data: `read -t` on it sleeps without a fork
  for ((i = 0; i < 250; i++)); do
    kill -0 "$FILTER_PID" 2>/dev/null || break
    read -r -t 0.02 -u "$snooze_fd" || true
  done
  exec {snooze_fd}<&-
  kill -TERM "$FILTER_PID" 2>/dev/null || true
  wait "$FILTER_PID" 2>/dev/null || true
  FILTER_PID=""
}

# upload_record KEY: stdin (JSON) -> s3://ARTIFACTS_BUCKET/KEY
upload_record() {
  aws s3 cp - "s3://$ARTIFACTS_BUCKET/$1" --only-show-errors --content-type application/json
}

# store_record: stdin (JSON) -> the phase's record (S3; a worker's stays local).
store_record() {
  if [[ $PHASE == worker ]]; then
    mkdir -p "${REPORT_FILE%/*}" && cat >"$REPORT_FILE"
  else
    upload_record "$REPORT_KEY"
  fi
}

stop_credentials() {
  if [[ -n $CRED_PID ]]; then
    kill -TERM "$CRED_PID" 2>/dev/null || true
    wait "$CRED_PID" 2>/dev/null || true
    CRED_PID=""
  fi
}

on_exit() {
  local rc=$?
  set +e
  trap - EXIT ERR TERM INT HUP
  stop_agent
  stop_credentials
  [[ -n $PRIVATE_DIR ]] && rm -rf "$PRIVATE_DIR"
  if ((DONE == 1 && rc == 0)); then
    exit 0
  fi
  ((rc == 0)) && rc=1
  local message=${FAIL_REASON:-"unexpected error (exit code $rc)"}
  scrub "$message"
  message=${REPLY:0:MAX_ERROR_CHARS}
  log_err "phase ${PHASE:-?} failed: $message"
  if ((CAN_REPORT == 1)); then
    local record
    now
    record=$(jq -n -c --arg phase "$PHASE" --arg buildId "$FABLE_BUILD_ID" --arg error "$message" \
      --arg workerId "${FABLE_WORKER_ID:-}" --arg finishedAt "$REPLY" \
      '{status: "failed", phase: $phase, buildId: $buildId, error: $error, finishedAt: $finishedAt}
       + (if $phase == "worker" then {workerId: $workerId} else {} end)')
    if printf '%s\n' "$record" | store_record; then
      log "failure record written to $REPORT_DEST"
    else
      log_err "could not write the failure record to $REPORT_DEST"
    fi
  else
    log_err "no failure record uploaded: phase, build id or bucket unknown"
  fi
  exit "$rc"
}

trap on_exit EXIT
trap 'on_err $? $LINENO' ERR
trap 'on_signal TERM 15' TERM
trap 'on_signal INT 2' INT
trap 'on_signal HUP 1' HUP

# --- environment ---------------------------------------------------------------------------

validate_identity() {
  command -v jq >/dev/null 2>&1 || fail 2 "jq is required but not installed"
  command -v aws >/dev/null 2>&1 || fail 2 "the aws CLI is required but not installed"
  PHASE=${FABLE_PHASE:-}
  case $PHASE in
    core | oi | worker) ;;
    "") fail 2 "FABLE_PHASE is required (core|oi|worker)" ;;
    *) PHASE="" && fail 2 "FABLE_PHASE must be one of core, oi, worker" ;;
  esac
  [[ -n ${FABLE_BUILD_ID:-} ]] || fail 2 "FABLE_BUILD_ID is required"
  [[ $FABLE_BUILD_ID =~ ^[A-Za-z0-9-]{1,80}$ ]] || fail 2 "FABLE_BUILD_ID must match ^[A-Za-z0-9-]{1,80}\$"
  [[ -n ${ARTIFACTS_BUCKET:-} ]] || fail 2 "ARTIFACTS_BUCKET is required"
  [[ $ARTIFACTS_BUCKET =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ ]] || fail 2 "ARTIFACTS_BUCKET is not a valid bucket name"
  if [[ $PHASE == worker ]]; then
    [[ -n ${FABLE_WORKER_ID:-} ]] || fail 2 "FABLE_WORKER_ID is required for FABLE_PHASE=worker"
    [[ $FABLE_WORKER_ID =~ ^[A-Za-z0-9-]{1,40}$ ]] || fail 2 "FABLE_WORKER_ID must match ^[A-Za-z0-9-]{1,40}\$"
    REPORT_FILE="${FABLE_WORK_DIR:-/work}/worker-$FABLE_WORKER_ID/result.json"
    REPORT_DEST=$REPORT_FILE
  else
    REPORT_KEY="builds/$FABLE_BUILD_ID/$PHASE-output.json"
    REPORT_DEST="s3://$ARTIFACTS_BUCKET/$REPORT_KEY"
  fi
  CAN_REPORT=1
}

validate_settings() {
  [[ -n ${AWS_REGION:-} ]] || fail 2 "AWS_REGION is required (set it in the task definition)"
  [[ -n ${FABLE_SPEC_KEY:-} ]] || fail 2 "FABLE_SPEC_KEY is required"
  if [[ ! $FABLE_SPEC_KEY =~ ^[A-Za-z0-9][A-Za-z0-9._/-]{0,1023}$ || $FABLE_SPEC_KEY == *..* || $FABLE_SPEC_KEY == *//* ]]; then
    fail 2 "FABLE_SPEC_KEY is not a valid object key"
  fi
  # Each phase has its own deadline (the pipeline may override only phase, build id and spec key).
  local phase_timeout_var="FABLE_${PHASE^^}_TIMEOUT_SECONDS"
  if [[ -z ${FABLE_PHASE_TIMEOUT_SECONDS:-} && -n ${!phase_timeout_var:-} ]]; then
    [[ ${!phase_timeout_var} =~ ^[1-9][0-9]{0,5}$ ]] || fail 2 "$phase_timeout_var must be a positive integer (seconds)"
    FABLE_PHASE_TIMEOUT_SECONDS=${!phase_timeout_var}
  fi
  FABLE_PHASE_TIMEOUT_SECONDS=${FABLE_PHASE_TIMEOUT_SECONDS:-$DEFAULT_TIMEOUT_SECONDS}
  [[ $FABLE_PHASE_TIMEOUT_SECONDS =~ ^[1-9][0-9]{0,5}$ ]] || fail 2 "FABLE_PHASE_TIMEOUT_SECONDS must be a positive integer (seconds)"
  if [[ -n ${FABLE_MAX_TURNS:-} && ! $FABLE_MAX_TURNS =~ ^[1-9][0-9]{0,4}$ ]]; then
    fail 2 "FABLE_MAX_TURNS must be a positive integer"
  fi
  if [[ $PHASE == worker ]]; then
    [[ ${FABLE_IN_WORKER:-} != 1 ]] || fail 2 "a worker cannot start further workers"
    [[ -n ${FABLE_WORKER_TASK_FILE:-} ]] || fail 2 "FABLE_WORKER_TASK_FILE is required for FABLE_PHASE=worker"
    [[ -f $FABLE_WORKER_TASK_FILE && -r $FABLE_WORKER_TASK_FILE && -s $FABLE_WORKER_TASK_FILE ]] ||
      fail 2 "FABLE_WORKER_TASK_FILE is not a readable, non-empty file"
  fi
  FABLE_WORK_DIR=${FABLE_WORK_DIR:-/work}
  FABLE_PROMPTS_DIR=${FABLE_PROMPTS_DIR:-/opt/fable/prompts}
  [[ -r $FABLE_PROMPTS_DIR/$PHASE.md ]] || fail 2 "prompt template $FABLE_PROMPTS_DIR/$PHASE.md not found"
  local cmd
  for cmd in claude timeout perl tar; do
    command -v "$cmd" >/dev/null 2>&1 || fail 2 "required command not found: $cmd"
  done
  [[ $PHASE == worker ]] || validate_agent_settings
}

# core / oi: what running the agent as its own user, with its own role, needs.
validate_agent_settings() {
  ((EUID == 0)) || fail 2 "the $PHASE phase must start as root: Claude Code runs as its own user"
  [[ -n ${FABLE_AGENT_ROLE_ARN:-} ]] || fail 2 "FABLE_AGENT_ROLE_ARN is required"
  [[ $FABLE_AGENT_ROLE_ARN =~ ^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,128}$ ]] ||
    fail 2 "FABLE_AGENT_ROLE_ARN is not an IAM role ARN"
  local uid=${FABLE_AGENT_UID:-10002} gid=${FABLE_AGENT_GID:-10002}
  [[ $uid =~ ^[1-9][0-9]{0,9}$ && $gid =~ ^[1-9][0-9]{0,9}$ ]] || fail 2 "FABLE_AGENT_UID and FABLE_AGENT_GID must be non-zero ids"
  SETPRIV_ARGS=(--reuid="$uid" --regid="$gid" --clear-groups --no-new-privs --inh-caps=-all --bounding-set=-all)
  # HOME becomes the agent's: this script's aws calls must not read a config the agent wrote there
  # (an endpoint_url would send them elsewhere).
  export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
  # Everything read back from the agent's workspace is read as the agent's user, with an empty
  # environment (a worker already is the agent: AS_AGENT stays empty).
  AS_AGENT=(env -i PATH="$PATH" setpriv "${SETPRIV_ARGS[@]}" --)
  FABLE_CREDENTIALS_SERVER=${FABLE_CREDENTIALS_SERVER:-/opt/fable/agent-credentials.mjs}
  [[ -r $FABLE_CREDENTIALS_SERVER ]] || fail 2 "credential endpoint $FABLE_CREDENTIALS_SERVER not found"
  local cmd
  for cmd in setpriv node sha256sum od; do
    command -v "$cmd" >/dev/null 2>&1 || fail 2 "required command not found: $cmd"
  done
}



prepare_dirs() {
  export HOME=${HOME:-$FABLE_WORK_DIR/home}
  export TMPDIR=${TMPDIR:-$FABLE_WORK_DIR/tmp}
  local label=$PHASE
  [[ $PHASE == worker ]] && label="worker-$FABLE_WORKER_ID"
  WS="$FABLE_WORK_DIR/$label"
  STATE_DIR="$WS/.fable"
  AGENT_LOG="$STATE_DIR/agent.log"
  mkdir -p "$HOME" "$TMPDIR" "$WS/input" "$STATE_DIR" 2>/dev/null ||
    fail 2 "cannot create directories under $FABLE_WORK_DIR (is the work volume mounted and writable?)"
  local dir
  for dir in "$HOME" "$TMPDIR" "$WS"; do
    [[ -w $dir ]] || fail 2 "$dir is not writable"
  done
  rm -f "$WS/output.json"
  chmod 0700 "$STATE_DIR"
  PRIVATE_DIR=$(mktemp -d /tmp/fable-entrypoint.XXXXXX) || fail 2 "cannot create a private directory under /tmp"
}

# core / oi: the agent's user gets its workspace, HOME, TMPDIR and the work directory (workers
# create theirs there); the state directory (log, fifo) stays the entrypoint's.
hand_over_workspace() {
  [[ $PHASE == worker ]] && return 0
  local owner="${FABLE_AGENT_UID:-10002}:${FABLE_AGENT_GID:-10002}"
  chown "$owner" "$FABLE_WORK_DIR"
  chown -R "$owner" "$HOME" "$TMPDIR" "$WS"
  chown -R 0:0 "$STATE_DIR"
  chmod 0700 "$STATE_DIR"
}

# core / oi: start the agent's credential endpoint and wait until it holds a session.
start_credentials() {
  [[ $PHASE == worker ]] && return 0
  local port_file="$PRIVATE_DIR/credentials.port" server_log="$PRIVATE_DIR/credentials.log" i port
  AGENT_TOKEN=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
  SECRET_NAMES+=(FABLE_AGENT_TOKEN)
  SECRET_VALUES+=("$AGENT_TOKEN")
  export FABLE_AGENT_TOKEN=$AGENT_TOKEN
  HOME=$PRIVATE_DIR FABLE_CREDENTIALS_PORT_FILE=$port_file node "$FABLE_CREDENTIALS_SERVER" >"$server_log" 2>&1 &
  CRED_PID=$!
  for ((i = 0; i < 600; i++)); do
    [[ -s $port_file ]] && break
    if ! kill -0 "$CRED_PID" 2>/dev/null; then
      CRED_PID=""
      scrub "$(tail -c 500 "$server_log")"
      fail 4 "could not obtain the agent's credentials ($FABLE_AGENT_ROLE_ARN): $REPLY"
    fi
    sleep 0.05
  done
  [[ -s $port_file ]] || fail 4 "the agent's credential endpoint did not start"
  port=$(<"$port_file")
  AGENT_ENDPOINT="http://127.0.0.1:$port$CREDENTIALS_PATH"
  log "agent credentials: role $FABLE_AGENT_ROLE_ARN, session $FABLE_BUILD_ID, endpoint $AGENT_ENDPOINT"

  # The agent's environment: no credential variable of the task role (or any secret-looking one),
  # only the endpoint and its token.
  local name
  AGENT_ENV=()
  while IFS= read -r name; do
    case $name in
      AWS_ACCESS_KEY_ID | AWS_SECRET_ACCESS_KEY | AWS_SESSION_TOKEN | AWS_SECURITY_TOKEN | AWS_CREDENTIAL_EXPIRATION) ;;
      AWS_CONTAINER_* | AWS_PROFILE | AWS_DEFAULT_PROFILE | AWS_SHARED_CREDENTIALS_FILE | AWS_CONFIG_FILE) ;;
      AWS_WEB_IDENTITY_TOKEN_FILE | AWS_ROLE_ARN | AWS_ROLE_SESSION_NAME | ECS_* | FABLE_AGENT_* | FABLE_CREDENTIALS_*) ;;
      *) continue ;;
    esac
    AGENT_ENV+=(-u "$name")
  done < <(compgen -e)
  for name in "${SECRET_NAMES[@]}"; do
    AGENT_ENV+=(-u "$name")
  done
  AGENT_ENV+=("AWS_CONTAINER_CREDENTIALS_FULL_URI=$AGENT_ENDPOINT" "AWS_CONTAINER_AUTHORIZATION_TOKEN=$AGENT_TOKEN")
}

# --- inputs --------------------------------------------------------------------------------

# s3_get KEY DEST
s3_get() {
  local key=$1 dest=$2 err
  if ! err=$(aws s3 cp "s3://$ARTIFACTS_BUCKET/$key" "$dest" --only-show-errors 2>&1 >/dev/null); then
    scrub "$err"
    fail 3 "could not download s3://$ARTIFACTS_BUCKET/$key: ${REPLY:0:500}"
  fi
}

fetch_inputs() {
  if [[ $PHASE == worker ]]; then
    # Inside the agent, without S3 access: the spec comes from the phase that started the worker.
    [[ -f ${FABLE_WORKSPACE:-}/input/spec.json ]] ||
      fail 3 "a worker needs FABLE_WORKSPACE (the starting phase's workspace) with input/spec.json"
    cp "$FABLE_WORKSPACE/input/spec.json" "$WS/input/spec.json"
  else
    log "downloading spec s3://$ARTIFACTS_BUCKET/$FABLE_SPEC_KEY"
    s3_get "$FABLE_SPEC_KEY" "$WS/input/spec.json"
  fi
  SPEC_PRETTY=$(jq -e 'if type == "object" then . else false end' "$WS/input/spec.json" 2>/dev/null) ||
    fail 3 "the spec is not a JSON object"

  case $PHASE in
    oi)
      local core_key="builds/$FABLE_BUILD_ID/core-output.json" fields status="" workspace_key=""
      log "downloading core output s3://$ARTIFACTS_BUCKET/$core_key"
      s3_get "$core_key" "$WS/input/core-output.json"
      fields=$(jq -r 'if type == "object" then . else {} end
          | (.status // "" | tostring | gsub("\n"; " ")), (.workspaceKey // "" | if type == "string" then . else "" end)' \
        "$WS/input/core-output.json" 2>/dev/null) || fail 3 "the core output is not valid JSON"
      { IFS= read -r status || true; IFS= read -r workspace_key || true; } <<<"$fields"
      [[ $status == success ]] || fail 3 "the core phase did not succeed (status: ${status:-missing})"
      if [[ -n $workspace_key ]]; then
        [[ $workspace_key == "builds/$FABLE_BUILD_ID/"* && $workspace_key != *..* ]] ||
          fail 3 "the core output's workspaceKey is outside builds/$FABLE_BUILD_ID/"
        log "restoring core workspace from s3://$ARTIFACTS_BUCKET/$workspace_key"
        s3_get "$workspace_key" "$STATE_DIR/core-workspace.tar.gz"
        tar -xzf "$STATE_DIR/core-workspace.tar.gz" -C "$WS" --no-same-owner --no-same-permissions ||
          fail 3 "could not extract the core workspace archive"
      fi
      ;;
    worker)
      cp "$FABLE_WORKER_TASK_FILE" "$WS/input/task.md"
      ;;
  esac
}

render_prompt() {
  local text
  text=$(<"$FABLE_PROMPTS_DIR/$PHASE.md")
  text=${text//"{{PHASE}}"/"$PHASE"}
  text=${text//"{{BUILD_ID}}"/"$FABLE_BUILD_ID"}
  text=${text//"{{ARTIFACTS_BUCKET}}"/"$ARTIFACTS_BUCKET"}
  text=${text//"{{WORKSPACE}}"/"$WS"}
  text=${text//"{{WORK_DIR}}"/"$FABLE_WORK_DIR"}
  text=${text//"{{OUTPUT_FILE}}"/"$WS/output.json"}
  text=${text//"{{WORKER_ID}}"/"${FABLE_WORKER_ID:-}"}
  text=${text//"{{TIMEOUT_SECONDS}}"/"$FABLE_PHASE_TIMEOUT_SECONDS"}
  {
    printf '%s\n\n## Inputs of this run\n\n' "$text"
    printf -- '- Phase: %s; build id: %s; artifacts bucket: %s\n' "$PHASE" "$FABLE_BUILD_ID" "$ARTIFACTS_BUCKET"
    printf -- '- Workspace (current directory): %s\n' "$WS"
    printf -- '- Time limit: %s seconds from now; write output.json well before it.\n' "$FABLE_PHASE_TIMEOUT_SECONDS"
    printf -- '- A copy of these instructions: %s/TASK.md\n' "$WS"
    if ((${#SPEC_PRETTY} <= MAX_INLINE_SPEC_BYTES)); then
      local fence=$'\x60\x60\x60'
      printf '\n### The spec (input/spec.json)\n\n%sjson\n%s\n%s\n' "$fence" "$SPEC_PRETTY" "$fence"
    else
      printf -- '- The spec is large: read input/spec.json.\n'
    fi
    if [[ $PHASE == worker ]]; then
      printf '\n### Your sub-task (input/task.md)\n\n'
      cat "$WS/input/task.md"
      printf '\n'
    fi
  } >"$WS/TASK.md"
}

# --- the agent -----------------------------------------------------------------------------

# The filter reads the agent's combined output line by line, replaces secret values and writes
# each line at once to stdout (CloudWatch) and to the log file. Secret values are read by name
# from the environment, so they never appear on a command line.
# shellcheck disable=SC2016 # Perl code, not shell expansions.
readonly SCRUB_FILTER='
use strict; use warnings;
$| = 1;
my $logfile = shift @ARGV;
my @secrets = sort { length($b) <=> length($a) }
  grep { defined && length >= 8 } map { $ENV{$_} } @ARGV;
open(my $log, ">>", $logfile) or die "cannot open $logfile: $!\n";
$log->autoflush(1);
while (my $line = <STDIN>) {
  $line =~ s/\Q$_\E/[REDACTED]/g for @secrets;
  print $line;
  print {$log} $line;
}'

agent_error_excerpt() {
  local result text=""
  [[ -n $AGENT_LOG_FD && -s /dev/fd/$AGENT_LOG_FD ]] || return 0
  # stream-json ends with a {"type":"result",...} event; prefer its message.
  result=$(tail -n 200 "/dev/fd/$AGENT_LOG_FD" | jq -R -r 'fromjson? | objects | select(.type == "result")
      | (.result // .error // .subtype // empty) | tostring' 2>/dev/null | tail -n 1) || result=""
  if [[ -n $result ]]; then
    text=$result
  else
    text=$(tail -n 20 "/dev/fd/$AGENT_LOG_FD" | cut -c 1-300) || text=""
  fi
  scrub "$text"
  printf '%s' "${REPLY:0:1500}"
}

run_agent() {
  local fifo="$STATE_DIR/agent.fifo" rc=0 started=$SECONDS excerpt
  local -a args=(-p --output-format stream-json --verbose --dangerously-skip-permissions)
  if [[ -n ${FABLE_MAX_TURNS:-} ]]; then
    args+=(--max-turns "$FABLE_MAX_TURNS")
  fi
  rm -f "$fifo"
  mkfifo -m 600 "$fifo"
  : >"$AGENT_LOG"
  # Read back through this descriptor, never by path (the agent owns the workspace around it).
  exec {AGENT_LOG_FD}<"$AGENT_LOG"
  perl -e "$SCRUB_FILTER" "$AGENT_LOG" "${SECRET_NAMES[@]}" <"$fifo" &
  FILTER_PID=$!

  export FABLE_WORKSPACE=$WS FABLE_OUTPUT_FILE=$WS/output.json
  if [[ $PHASE == worker ]]; then
    export FABLE_IN_WORKER=1
  fi
  export GIT_AUTHOR_NAME="FABLE build agent" GIT_AUTHOR_EMAIL="fable-build@localhost"
  export GIT_COMMITTER_NAME="FABLE build agent" GIT_COMMITTER_EMAIL="fable-build@localhost"

  local -a as_user=()
  if [[ $PHASE != worker ]]; then
    as_user=(env "${AGENT_ENV[@]}" setpriv "${SETPRIV_ARGS[@]}" --)
  fi
  log "starting Claude Code (phase $PHASE, timeout ${FABLE_PHASE_TIMEOUT_SECONDS}s)"
  timeout --kill-after="$KILL_GRACE_SECONDS" "$FABLE_PHASE_TIMEOUT_SECONDS" "${as_user[@]}" claude "${args[@]}" \
    <"$WS/TASK.md" >"$fifo" 2>&1 &
  AGENT_PID=$!
  wait "$AGENT_PID" || rc=$?
  # Stray background processes the agent left behind are in timeout's process group.
  kill -TERM -- "-$AGENT_PID" 2>/dev/null || true
  AGENT_PID=""
  drain_filter
  log "Claude Code exited with code $rc after $((SECONDS - started))s"

  if ((rc == 124)) || ((rc == 137 && SECONDS - started >= FABLE_PHASE_TIMEOUT_SECONDS)); then
    excerpt=$(agent_error_excerpt)
    fail 124 "agent timed out after ${FABLE_PHASE_TIMEOUT_SECONDS}s${excerpt:+; last output: $excerpt}"
  elif ((rc != 0)); then
    excerpt=$(agent_error_excerpt)
    fail 4 "agent exited with code $rc${excerpt:+: $excerpt}"
  fi
}

# --- the result ----------------------------------------------------------------------------

# One jq pass over output.json (slurped, so trailing garbage or several values are caught).
# Prints "ok" (oi: followed by the tool names, one per line), "malformed",
# "failed:<agent's reason>" or "invalid:<first problem>".
# shellcheck disable=SC2016 # jq code, not shell expansions.
readonly JQ_VERDICT='
  def tools_problems($oi):
    if (.tools | type) != "array" or (.tools | length) == 0 then "tools must be a non-empty array"
    else
      (.tools | to_entries[] | .key as $i | .value |
        if type != "object" then "tools[\($i)] must be an object"
        elif (.toolName | type) != "string" then "tools[\($i)].toolName must be a string"
        elif (.toolName | test($re) | not) then "tools[\($i)].toolName must match \($re)"
        elif ($oi | not) then empty
        elif (.schema | type) != "object" then "tools[\($i)].schema must be an object"
        elif (.schema.name | type) != "string" or .schema.name == "" then
          "tools[\($i)].schema.name must be a non-empty string"
        elif (.schema.description | type) != "string" or .schema.description == "" then
          "tools[\($i)].schema.description must be a non-empty string"
        elif (.schema.inputSchema | type) != "object" then
          "tools[\($i)].schema.inputSchema must be a JSON Schema object"
        else empty end),
      ([.tools[] | objects | .toolName] as $names
        | if ($names | length) != ($names | unique | length) then "tool names must be unique" else empty end)
    end;
  def summary_problem:
    if (.summary | type) != "string" or .summary == "" then "summary must be a non-empty string" else empty end;
  if length != 1 or (.[0] | type) != "object" then "malformed"
  else .[0] |
    if (.status // "success") != "success" and .status != "failed" then
      "invalid:status must be \"success\" or \"failed\""
    elif .status == "failed" then
      "failed:" + (.error // "no reason given" | if type == "string" then . else tojson end)
    else
      ([if $phase == "core" then summary_problem, tools_problems(false)
        elif $phase == "oi" then tools_problems(true)
        else summary_problem end] | first) as $problem
      | if $problem then "invalid:" + $problem
        elif $phase == "oi" then "ok", (.tools[].toolName)
        else "ok" end
    end
  end'

# copy_from_agent PATH DEST MAX_BYTES: a regular file of the agent's workspace, read as the
# agent's user (bounded in size and time), into DEST.
copy_from_agent() {
  local src=$1 dest=$2 max=$3
  [[ -f $src ]] || return 1
  timeout 60 "${AS_AGENT[@]}" head -c "$((max + 1))" -- "$src" >"$dest" || return 1
  (($(stat -c %s "$dest") <= max)) || return 2
}

validate_output() {
  local out="$PRIVATE_DIR/output.json" verdict rc=0
  copy_from_agent "$WS/output.json" "$out" "$MAX_OUTPUT_BYTES" || rc=$?
  ((rc != 2)) || fail 5 "output.json is larger than $MAX_OUTPUT_BYTES bytes"
  ((rc == 0)) || fail 5 "the agent finished without writing output.json"
  verdict=$(jq -r -s --arg re "$TOOL_NAME_RE" --arg phase "$PHASE" "$JQ_VERDICT" "$out" 2>/dev/null) ||
    fail 5 "output.json is not a well-formed JSON object"
  case $verdict in
    ok | ok$'\n'*) ;;
    malformed) fail 5 "output.json is not a well-formed JSON object" ;;
    failed:*) verdict=${verdict#failed:} && fail 4 "the agent reported failure: ${verdict:0:1500}" ;;
    invalid:*) fail 5 "invalid output.json: ${verdict#invalid:}" ;;
    *) fail 5 "output.json could not be validated" ;;
  esac

  if [[ $PHASE == core ]]; then
    [[ -d $WS/project && -n $(ls -A "$WS/project") ]] || fail 5 "core produced no project/ directory"
  fi
  if [[ $PHASE == oi ]]; then
    publish_packages "${verdict#ok}"
  fi
}

# publish_packages NAMES (one a line): uploads each tool's packages/<name>.zip under its SHA-256
# (the agent cannot write S3) and keeps {name: {s3Key, sha256}} in PACKAGES for the record.
PACKAGES='{}'
publish_packages() {
  local name zip sha key err
  mkdir -p "$PRIVATE_DIR/packages"
  while IFS= read -r name; do
    [[ -n $name ]] || continue
    zip="$PRIVATE_DIR/packages/$name.zip"
    if ! copy_from_agent "$WS/packages/$name.zip" "$zip" "$MAX_PACKAGE_BYTES" || [[ ! -s $zip ]]; then
      fail 5 "tool $name has no package: write it to packages/$name.zip (a non-empty file of at most $MAX_PACKAGE_BYTES bytes)"
    fi
    sha=$(sha256sum "$zip" | cut -d' ' -f1)
    key="tools/$name/$sha.zip"
    if ! err=$(aws s3 cp "$zip" "s3://$ARTIFACTS_BUCKET/$key" --only-show-errors 2>&1 >/dev/null); then
      scrub "$err"
      fail 6 "could not upload the package of $name: ${REPLY:0:300}"
    fi
    log "uploaded the package of $name to s3://$ARTIFACTS_BUCKET/$key"
    PACKAGES=$(jq -c --arg name "$name" --arg key "$key" --arg sha "$sha" '. + {($name): {s3Key: $key, sha256: $sha}}' <<<"$PACKAGES")
  done <<<"$1"
}

publish_success() {
  local workspace_key="" raw record
  if [[ $PHASE == core ]]; then
    local archive="$STATE_DIR/core-workspace.tar.gz" key="builds/$FABLE_BUILD_ID/core-workspace.tar.gz" err
    "${AS_AGENT[@]}" tar -czf - -C "$WS" --exclude=node_modules project >"$archive"
    if ! err=$(aws s3 cp "$archive" "s3://$ARTIFACTS_BUCKET/$key" --only-show-errors 2>&1 >/dev/null); then
      scrub "$err"
      fail 6 "could not upload the core workspace: ${REPLY:0:500}"
    fi
    workspace_key=$key
  fi
  raw=$(<"$PRIVATE_DIR/output.json")
  scrub "$raw"
  if [[ $REPLY != "$raw" ]]; then
    log "output.json contained credential values; they were redacted"
  fi
  local scrubbed=$REPLY
  now
  record=$(printf '%s' "$scrubbed" | jq -c --arg phase "$PHASE" --arg buildId "$FABLE_BUILD_ID" \
    --arg workerId "${FABLE_WORKER_ID:-}" --arg finishedAt "$REPLY" --arg workspaceKey "$workspace_key" \
    --argjson packages "$PACKAGES" \
    '. + (if $workspaceKey != "" then {workspaceKey: $workspaceKey} else {} end)
     + (if $phase == "oi" then {tools: [.tools[] | . + $packages[.toolName]]} else {} end)
     + {status: "success", phase: $phase, buildId: $buildId, finishedAt: $finishedAt}
     + (if $phase == "worker" then {workerId: $workerId} else {} end)' 2>/dev/null) ||
    fail 5 "output.json is not valid JSON after redaction"
  printf '%s\n' "$record" | store_record || fail 6 "could not write $REPORT_DEST"
  DONE=1
  log "phase $PHASE succeeded; result at $REPORT_DEST"
}

main() {
  collect_secrets
  validate_identity
  validate_settings
  prepare_dirs
  log "phase $PHASE of build $FABLE_BUILD_ID (workspace $WS)"
  fetch_inputs
  render_prompt
  hand_over_workspace
  start_credentials
  cd "$WS"
  run_agent
  validate_output
  publish_success
}

main "$@"
