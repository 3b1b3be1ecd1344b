#!/usr/bin/env bash
# A throwaway single-node Slurm (Debian's Slurm 22.05) on this machine, for `make test-slurm`.
#
#   tests/slurm/cluster.sh start          install the packages if missing, write the config, start
#                                         munged, slurmctld and slurmd, wait until the node is idle
#   tests/slurm/cluster.sh stop           cancel its jobs, stop the daemons it started (by pid file)
#                                         and remove the config it wrote
#   tests/slurm/cluster.sh run CMD...     start, run CMD, stop (also when CMD fails); CMD's status
#
# Needs root (it writes /etc/slurm, which is where Slurm looks when SLURM_CONF is not set: the
# job-step plugin strips SLURM_CONF before its inner srun). It refuses to touch a slurm.conf it
# did not write, so it cannot clobber a real cluster's node. No systemd or cgroups needed.
# State, logs and pid files live in $STEEL_SLURM_DIR (default /tmp/steel-slurm).
set -euo pipefail

DIR=${STEEL_SLURM_DIR:-/tmp/steel-slurm}
CONF=/etc/slurm/slurm.conf
GRES_CONF=/etc/slurm/gres.conf
MARK="# written by network-of-steel tests/slurm/cluster.sh: a throwaway test cluster"
PARTITION=steel
MUNGE_PID=/run/munge/munged.pid

say() { echo "slurm-test: $*" >&2; }

install_packages() {
    local missing=0 tool
    for tool in munged slurmctld slurmd sbatch squeue; do
        command -v "$tool" >/dev/null || missing=1
    done
    [ "$missing" = 0 ] && return
    say "installing slurm-wlm slurmctld slurmd slurm-client munge (Debian packages)"
    local log
    log=$(mktemp)
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq slurm-wlm slurmctld slurmd slurm-client munge; } >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        return 1
    fi
    rm -f "$log"
}

# the config files are ours only if they carry the marker line
ours() { [ ! -e "$1" ] || head -n 1 "$1" | grep -qxF "$MARK"; }

write_config() {
    local file host node cpus mem keep
    for file in "$CONF" "$GRES_CONF"; do
        ours "$file" || { say "$file exists and was not written by this script: refusing to touch it"; exit 1; }
    done
    host=$(hostname -s)
    # the node as slurmd sees it (CPUs, sockets, cores, threads), with memory held back for the
    # daemons, this test's own Snakemake and whatever else runs here
    node=$(slurmd -C | head -n 1)
    mem=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$node")
    keep=$((mem / 4 > 1024 ? mem / 4 : 1024))
    mem=$((mem - keep))
    cpus=$(sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' <<<"$node")
    node=$(sed -e "s/^NodeName=[^ ]*/NodeName=$host/" -e "s/RealMemory=[0-9]*/RealMemory=$mem/" <<<"$node")
    mkdir -p /etc/slurm "$DIR/ctld" "$DIR/spool" "$DIR/steps"
    # records the environment of every job step, so that the tests can see what a job got
    printf '#!/bin/sh\nenv >"%s/steps/$SLURM_JOB_ID.${SLURM_STEP_ID:-batch}.env"\n' "$DIR" >"$DIR/task-prolog"
    chmod 0755 "$DIR/task-prolog"
    cat >"$CONF" <<EOF
$MARK
ClusterName=steeltest
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$DIR/ctld
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# no systemd, no cgroups
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
TaskProlog=$DIR/task-prolog
JobAcctGatherType=jobacct_gather/none
# share the node by cores and memory; without DefMemPerCPU a job without --mem takes all of it
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=$((mem / cpus))
# no slurmdbd: sacct cannot answer, the test uses --slurm-status-command squeue, and finished
# jobs stay visible to squeue and scontrol for MinJobAge seconds
AccountingStorageType=accounting_storage/none
MinJobAge=300
MailProg=/bin/true
# a request no node can ever grant is refused at submission instead of pending forever
EnforcePartLimits=ALL
ReturnToService=2
# a fake GPU (gres.conf: File=/dev/null), so that sbatch --gpus=1 is granted and Slurm sets
# CUDA_VISIBLE_DEVICES in the job, as on a real GPU node
GresTypes=gpu
$node Gres=gpu:1 State=UNKNOWN
PartitionName=$PARTITION Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
    printf '%s\nNodeName=%s Name=gpu File=/dev/null\n' "$MARK" "$host" >"$GRES_CONF"
}

alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_munge() {
    if munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
        say "munged already running: using it"
        return
    fi
    # munged's socket directory must be world-executable, or slurmd's job steps cannot reach it
    mkdir -p /run/munge /var/lib/munge /var/log/munge
    chown munge:munge /run/munge /var/lib/munge /var/log/munge
    chmod 0755 /run/munge
    [ -s /etc/munge/munge.key ] || { /usr/sbin/mungekey --create && chown munge:munge /etc/munge/munge.key; }
    runuser -u munge -- /usr/sbin/munged
    echo munged >>"$DIR/started"
}

wait_idle() {
    local state
    for _ in $(seq 60); do
        state=$(sinfo -h -N -p "$PARTITION" -o %t 2>/dev/null || true)
        if [ "$state" = idle ]; then
            return
        fi
        sleep 1
    done
    say "the node did not become idle (sinfo: '${state:-no answer}'); logs in $DIR"
    tail -n 20 "$DIR/slurmctld.log" "$DIR/slurmd.log" >&2 || true
    return 1
}

start() {
    install_packages
    # a cluster left over from an interrupted run goes first
    if [ -e "$DIR/started" ]; then stop; fi
    rm -rf "$DIR/steps"
    mkdir -p "$DIR"
    : >"$DIR/started"
    write_config
    start_munge
    slurmctld -c # -c: a fresh cluster, no jobs or state from an earlier run
    echo slurmctld >>"$DIR/started"
    slurmd -c
    echo slurmd >>"$DIR/started"
    wait_idle
    say "up: $(sinfo -h -N -o '%N %t %c CPUs %m MB %G')"
}

stop_pid() { # pid file, name: TERM, wait, then KILL
    local pid
    alive "$1" || return 0
    pid=$(cat "$1")
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.2
    done
    say "$2 ($pid) did not stop: killing it"
    kill -9 "$pid" 2>/dev/null || true
}

stop() {
    [ -e "$DIR/started" ] || { say "nothing to stop"; return 0; }
    # every job on this cluster is the tests' own
    if alive "$DIR/slurmctld.pid"; then
        scancel --quiet --partition "$PARTITION" 2>/dev/null || true
        for _ in $(seq 20); do
            [ -z "$(squeue -h -t RUNNING,COMPLETING,PENDING -o %i 2>/dev/null)" ] && break
            sleep 0.5
        done
    fi
    stop_pid "$DIR/slurmd.pid" slurmd
    stop_pid "$DIR/slurmctld.pid" slurmctld
    if grep -qx munged "$DIR/started"; then stop_pid "$MUNGE_PID" munged; fi
    rm -f "$DIR/started"
    for file in "$CONF" "$GRES_CONF"; do
        if ours "$file"; then rm -f "$file"; fi
    done
    say "stopped (logs in $DIR)"
}

run() {
    local status=0
    trap stop EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    start
    "$@" || status=$?
    return "$status"
}

[ "$(id -u)" = 0 ] || { say "needs root (apt-get, /etc/slurm, the daemons)"; exit 1; }
case "${1:-}" in
    start) start ;;
    stop) stop ;;
    run) shift; run "$@" ;;
    *) echo "usage: $0 start | stop | run COMMAND..." >&2; exit 2 ;;
esac
