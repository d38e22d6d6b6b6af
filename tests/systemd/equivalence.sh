#!/bin/bash
# equivalence.sh -- jharden's policy keys against the systemd.exec(5) directives they mirror.
#
# Usage (as root):
#   tests/systemd/equivalence.sh [--container DIR] [--jharden FILE]
#
# For every case, the same probe runs twice in a container booted with a real
# systemd (nspawn.sh): once as a transient unit carrying the systemd directives
# (systemd-run --wait --pipe -p ...), once as a transient unit without them that
# runs jharden with the equivalent policy. The probe prints what it observed
# (write results, errno names, /proc/self/status fields, mount flags,
# environment, ids, namespaces...) as KEY=VALUE lines; the two outputs and the
# two exit statuses must be the same.
#
# One line per case:
#   PASS: CASE
#   FAIL: CASE (KEY: systemd=VALUE jharden=VALUE; ...)
#   KNOWN-DIFF: CASE (KEY: ... -- the documented reason)
#   GAP: CASE (this jharden does not know KEY yet)
# then exactly "N passed, M failed". A KNOWN-DIFF counts as passed only when its
# difference is in the KNOWN table below with its reason AND its directive is
# named in the "Differences from systemd.exec(5)" section of jharden.conf(5).
# A GAP (a key the installed jharden rejects as unknown, listed in the GAPS
# table) counts as passed: the case runs as soon as the key exists. Differences
# that are jharden bugs are in the BUGS table: they fail, with their description.
#
# Each jharden policy is a "neutral" policy (every protection of jharden's
# baseline turned off, so that only the key under test acts, as a transient
# unit has no protection but the directive under test) plus the case's lines
# as a drop-in.
#
# Options:
#   --container DIR   use the container already booted in DIR (nspawn.sh start);
#                     otherwise one is booted for this run and stopped at the end
#   --jharden FILE    the jharden binary to test (copied into the container);
#                     default: the container's /usr/lib/jharden when a package
#                     is installed there, else build/src/jharden
# Environment:
#   EQ_ONLY="case1 case2"   run only these cases
#   EQ_LOGDIR               where the raw outputs go (default: a new /tmp dir)

set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
# shellcheck source=nspawn.sh
source "$HERE/nspawn.sh"

CT=""
OWN_CT=0
JHARDEN_FILE=""
LOGDIR=${EQ_LOGDIR:-}
STAGE=""
CASES=()
LIB=/usr/local/lib/jh-equiv          # probe, helper and references in the container
MAN=$TOP/man/jharden.conf.5

# ---------------------------------------------------------------- known differences
#
# CASE|KEYS|DIRECTIVE|REASON: in CASE the probe lines KEYS (comma-separated;
# "exit" for the exit status; "*" for every line) differ on purpose. DIRECTIVE
# must be named in jharden.conf(5), section "Differences from systemd.exec(5)",
# where the same difference is described.
KNOWN=(
    "ro_slash|vfs:/dev,vfs:/dev/shm,vfs:/proc|ReadOnlyPaths=|read_only = / leaves /dev, /proc and /sys to their own keys (private_dev, protect_kernel), as ProtectSystem=strict does; ReadOnlyPaths=/ makes them read-only too"
    "ro_symlink|*|ReadOnlyPaths=|jharden never follows a symbolic link in a mount target and refuses the policy (226); systemd follows it"
    "mask_dir|vfs:/srv/eq/inacc|TemporaryFileSystem=|a masked directory is an empty read-only tmpfs, nosuid,noexec (not nodev, as the /dev/null of a masked file); TemporaryFileSystem=PATH:ro is only nodev"
    "private_tmp|vfs:/var/tmp|PrivateTmp=|jharden mounts fresh tmpfs instances, always nosuid,nodev; systemd binds directories of the host's /tmp and /var/tmp, which keep those file systems' flags"
    "tmpfs_default,tmpfs_options,tmpfs_ro,tmpfs_exec|vfs:/srv/eq/t|TemporaryFileSystem=|jharden's tmpfs mounts are always nosuid; systemd's default options are nodev,strictatime,mode=0755, without nosuid"
    "bind_nosuid,bind_ro_nosuid|vfs:/srv/eq/tgt|BindPaths=|jharden binds are always nosuid (and nodev unless the source is a device node); systemd keeps the flags of the source's mount"
    "private_dev|devices:/dev,ls:/dev|PrivateDevices=|jharden's /dev has no char/, hugepages/ or mqueue/, and a new devpts instance instead of a bind of the host's /dev/pts (whose terminals it would show)"
    "private_dev|st:CapBnd,st:CapEff,st:CapPrm|PrivateDevices=|private_dev only builds /dev: removing CAP_MKNOD and CAP_SYS_RAWIO is the job of [capabilities] drop (in its default), not of private_dev; this case's policy empties drop"
    "private_dev_shm|ls:/dev/pts|PrivateDevices=|jharden's devpts is a new instance: the host's terminals (pts/0 here) are not in it"
    "private_dev_syscalls|sys:mknod-null|PrivateDevices=|private_dev does not refuse mknod(2) of device nodes: CAP_MKNOD in the default drop list does; this case's policy empties drop"
    "root_dir|exists:/run/systemd|RootDirectory=|jharden mounts /proc, /dev and /sys in the new root but not the host's /run, which systemd makes visible there; bind it when needed"
    "arch_native|sys:i386-getpid|SystemCallArchitectures=|a call of another ABI is refused with [seccomp] action (EPERM by default); systemd kills the process with SIGSYS"
    "private_network|ls:/sys/class/net|PrivateNetwork=|net = yes mounts a fresh sysfs of the new network namespace on /sys, so /sys/class/net lists only lo (as systemd 256 and later do); systemd 252 leaves the host's sysfs, which lists the host's interfaces"
    "protect_hostname|sys:sethostname|ProtectHostname=|uts = yes only unshares the UTS namespace, where the daemon may still change the (private) host name; systemd also refuses sethostname(2) and setdomainname(2): deny them to get the same"
    "user_supplementary|id|SupplementaryGroups=|supplementary_groups replaces the user's groups from the group database; SupplementaryGroups= adds to them"
    "user_numeric|*|User=|a numeric uid need not exist in the user database; systemd refuses it (217)"
    "cred_user|credstat:tok|LoadCredential=|a secret file belongs to the service's group ([secrets] group); systemd's credential files belong to group root; with mode 0400 the group has no access either way"
    "cred_load_path|r:/srv/eq/secret.txt|LoadCredential=|hide_sources = yes (the default) makes a secret's source inaccessible in the sandbox; LoadCredential= leaves it visible"
    "mdwe|sys:mmap-wx,sys:mprotect-x|MemoryDenyWriteExecute=|where the kernel has PR_SET_MDWE (Linux 6.3) jharden uses it and a refused mapping fails with the kernel's EACCES; systemd 252's seccomp rules answer EPERM (jharden's fallback on older kernels does too)"
)

# CASES|KEYS|DESCRIPTION: differences that are jharden bugs, described for the
# fix. They fail.
BUGS=(
)

# PATTERN|DESCRIPTION: a --check error matching PATTERN (grep -E) means the
# installed jharden does not know a key yet; its case is a GAP, not a failure.
GAPS=(
)

# The neutral policy: each line is kept only if the installed jharden knows it.
NEUTRAL=(
    "filesystem.read_only ="
    "filesystem.private_tmp = no"
    "filesystem.private_dev = no"
    "filesystem.mask ="
    "filesystem.protect_kernel = no"
    "filesystem.landlock = no"
    "capabilities.drop ="
    "capabilities.no_new_privileges = no"
    "seccomp.deny ="
    "seccomp.native_only = no"
    "seccomp.restrict_suid_sgid = no"
    "seccomp.lock_personality = no"
    "seccomp.restrict_realtime = no"
    "seccomp.memory_deny_write_execute = no"
    "namespaces.allow_create = all"
)

# ---------------------------------------------------------------- cases
#
# C NAME [sd PROPERTY...] [jh SECTION.KEY = VALUE...] [jhp PROPERTY...] [ops OP...]
#   sd:  properties of the systemd unit (systemd-run -p)
#   jh:  the policy lines jharden gets on top of the neutral policy
#   jhp: properties of the jharden unit too (credentials, which systemd passes)
#   ops: the probe's operations (see the probe below), the same for both runs
C() {
    local name=$1 mode="" arg dir
    shift
    if [[ -n ${EQ_ONLY:-} && " $EQ_ONLY " != *" $name "* ]]; then return 0; fi
    dir=$STAGE/$name
    mkdir -p "$dir"
    : >"$dir/sd"; : >"$dir/jh"; : >"$dir/jhp"; : >"$dir/ops"
    for arg in "$@"; do
        case $arg in
            sd | jh | jhp | ops) mode=$arg; continue ;;
        esac
        if [[ $mode == jh ]]; then
            # "section.key = value" -> "[section]\nkey = value"
            printf '[%s]\n%s\n' "${arg%%.*}" "${arg#*.}" >>"$dir/jh"
        else
            printf '%s\n' "$arg" >>"$dir/$mode"
        fi
    done
    CASES+=("$name")
}

define_cases() {
    local ro_ops=(w:/srv/eq/ro/new ow:/srv/eq/ro/f w:/srv/eq/ro/sub/new vfs:/srv/eq/ro
                  w:/srv/eq/ro/mnt/new w:/srv/eq/rw/new r:/srv/eq/ro/f)
    local caps=(st:CapInh st:CapPrm st:CapEff st:CapBnd st:CapAmb)
    local ident=(id env:USER env:LOGNAME env:HOME env:SHELL cwd)

    # --- ReadOnlyPaths= / read_only
    C ro_dir sd ReadOnlyPaths=/srv/eq/ro jh "filesystem.read_only = /srv/eq/ro" ops "${ro_ops[@]}"
    C ro_file sd ReadOnlyPaths=/srv/eq/ro/f jh "filesystem.read_only = /srv/eq/ro/f" \
        ops ow:/srv/eq/ro/f w:/srv/eq/ro/new vfs:/srv/eq/ro/f
    C ro_missing sd ReadOnlyPaths=/srv/eq/nope jh "filesystem.read_only = /srv/eq/nope" ops id
    C ro_missing_optional sd ReadOnlyPaths=-/srv/eq/nope jh "filesystem.read_only = -/srv/eq/nope" \
        ops id exists:/srv/eq/nope
    C ro_slash sd ReadOnlyPaths=/ jh "filesystem.read_only = /" \
        ops w:/srv/eq/rw/new w:/var/tmp/jheq w:/tmp/jheq ow:/dev/null vfs:/dev vfs:/proc \
        vfs:/run vfs:/dev/shm
    C ro_symlink sd ReadOnlyPaths=/srv/eq/link-ro jh "filesystem.read_only = /srv/eq/link-ro" \
        ops w:/srv/eq/ro/new w:/srv/eq/link-ro/new
    # --- ReadWritePaths= / read_write
    C rw_under_ro sd ReadOnlyPaths=/srv/eq ReadWritePaths=/srv/eq/rw \
        jh "filesystem.read_only = /srv/eq" "filesystem.read_write = /srv/eq/rw" \
        ops w:/srv/eq/rw/new w:/srv/eq/ro/new w:/srv/eq/new vfs:/srv/eq/rw vfs:/srv/eq
    C rw_missing sd ReadOnlyPaths=/srv/eq ReadWritePaths=/srv/eq/nope \
        jh "filesystem.read_only = /srv/eq" "filesystem.read_write = /srv/eq/nope" ops id
    C rw_missing_optional sd ReadOnlyPaths=/srv/eq ReadWritePaths=-/srv/eq/nope \
        jh "filesystem.read_only = /srv/eq" "filesystem.read_write = -/srv/eq/nope" \
        ops id w:/srv/eq/rw/new
    C rw_strict sd ReadOnlyPaths=/ "ReadWritePaths=/srv/eq/rw /var/tmp" \
        jh "filesystem.read_only = /" "filesystem.read_write = /srv/eq/rw /var/tmp" \
        ops w:/srv/eq/rw/new w:/var/tmp/jheq w:/srv/eq/new vfs:/srv/eq/rw
    # --- PrivateTmp= / private_tmp
    C private_tmp sd PrivateTmp=yes jh "filesystem.private_tmp = yes" \
        ops ls:/tmp ls:/var/tmp stat:/tmp stat:/var/tmp vfs:/tmp vfs:/var/tmp w:/tmp/jheq \
        w:/var/tmp/jheq
    C private_tmp_off sd PrivateTmp=no jh "filesystem.private_tmp = no" \
        ops exists:/tmp/jheq-host exists:/var/tmp/jheq-host
    C private_tmp_user sd PrivateTmp=yes User=eqsvc jh "filesystem.private_tmp = yes" \
        "service.user = eqsvc" ops w:/tmp/jheq w:/var/tmp/jheq stat:/tmp exists:/tmp/jheq-host
    # --- TemporaryFileSystem= / tmpfs
    C tmpfs_default sd TemporaryFileSystem=/srv/eq/t jh "filesystem.tmpfs = /srv/eq/t" \
        ops ls:/srv/eq/t stat:/srv/eq/t vfs:/srv/eq/t fs:/srv/eq/t w:/srv/eq/t/new
    C tmpfs_options sd TemporaryFileSystem=/srv/eq/t:mode=0700,size=1M,noexec \
        jh "filesystem.tmpfs = /srv/eq/t:mode=0700,size=1m,noexec" \
        ops stat:/srv/eq/t vfs:/srv/eq/t size:/srv/eq/t w:/srv/eq/t/new
    C tmpfs_ro sd TemporaryFileSystem=/srv/eq/t:ro jh "filesystem.tmpfs = /srv/eq/t:ro" \
        ops vfs:/srv/eq/t w:/srv/eq/t/new ls:/srv/eq/t
    C tmpfs_ids sd TemporaryFileSystem=/srv/eq/t:uid=4242,gid=4243,mode=0750 \
        jh "filesystem.tmpfs = /srv/eq/t:uid=4242,gid=4243,mode=0750" ops stat:/srv/eq/t
    C tmpfs_new_dir sd TemporaryFileSystem=/srv/eq/newdir/t jh "filesystem.tmpfs = /srv/eq/newdir/t" \
        ops stat:/srv/eq/newdir/t fs:/srv/eq/newdir/t
    C tmpfs_exec sd TemporaryFileSystem=/srv/eq/t:exec jh "filesystem.tmpfs = /srv/eq/t:exec" \
        ops vfs:/srv/eq/t
    # --- BindPaths= / BindReadOnlyPaths= / bind
    C bind_rw sd BindPaths=/srv/eq/src:/srv/eq/tgt jh "filesystem.bind = /srv/eq/src:/srv/eq/tgt" \
        ops r:/srv/eq/tgt/f w:/srv/eq/tgt/new ls:/srv/eq/tgt/mnt
    C bind_ro sd BindReadOnlyPaths=/srv/eq/src:/srv/eq/tgt \
        jh "filesystem.bind = /srv/eq/src:/srv/eq/tgt:ro" \
        ops r:/srv/eq/tgt/f w:/srv/eq/tgt/new ls:/srv/eq/tgt/mnt w:/srv/eq/tgt/mnt/new
    C bind_nosuid sd BindPaths=/srv/eq/src:/srv/eq/tgt jh "filesystem.bind = /srv/eq/src:/srv/eq/tgt" \
        ops vfs:/srv/eq/tgt
    C bind_ro_nosuid sd BindReadOnlyPaths=/srv/eq/src:/srv/eq/tgt \
        jh "filesystem.bind = /srv/eq/src:/srv/eq/tgt:ro" ops vfs:/srv/eq/tgt
    C bind_same_path sd BindReadOnlyPaths=/srv/eq/src jh "filesystem.bind = /srv/eq/src:/srv/eq/src:ro" \
        ops w:/srv/eq/src/new r:/srv/eq/src/f
    C bind_missing_source sd BindPaths=/srv/eq/nope:/srv/eq/tgt \
        jh "filesystem.bind = /srv/eq/nope:/srv/eq/tgt" ops id
    C bind_optional_source sd BindPaths=-/srv/eq/nope:/srv/eq/tgt \
        jh "filesystem.bind = -/srv/eq/nope:/srv/eq/tgt" ops id ls:/srv/eq/tgt
    C bind_new_target sd BindPaths=/srv/eq/src:/srv/eq/newtgt/x \
        jh "filesystem.bind = /srv/eq/src:/srv/eq/newtgt/x" ops r:/srv/eq/newtgt/x/f
    # "-" makes the source optional, never the mount point (made in a tmpfs, so that no
    # run leaves it behind for the next)
    C bind_optional_new_target sd TemporaryFileSystem=/srv/eq/t BindPaths=-/srv/eq/src:/srv/eq/t/x \
        jh "filesystem.tmpfs = /srv/eq/t" "filesystem.bind = -/srv/eq/src:/srv/eq/t/x" \
        ops r:/srv/eq/t/x/f
    # a mount point below a read-only tmpfs is made before it becomes read-only
    C tmpfs_ro_mount_point sd TemporaryFileSystem=/srv/eq/t:ro \
        BindReadOnlyPaths=/srv/eq/src:/srv/eq/t/sub \
        jh "filesystem.tmpfs = /srv/eq/t:ro" "filesystem.bind = /srv/eq/src:/srv/eq/t/sub:ro" \
        ops r:/srv/eq/t/sub/f w:/srv/eq/t/new
    C bind_file sd BindReadOnlyPaths=/srv/eq/src/f:/srv/eq/tgt/file \
        jh "filesystem.bind = /srv/eq/src/f:/srv/eq/tgt/file:ro" \
        ops r:/srv/eq/tgt/file ow:/srv/eq/tgt/file stat:/srv/eq/tgt/file
    # --- InaccessiblePaths= / inaccessible
    C inacc_dir sd InaccessiblePaths=/srv/eq/inacc jh "filesystem.inaccessible = /srv/eq/inacc" \
        ops ls:/srv/eq/inacc stat:/srv/eq/inacc r:/srv/eq/inacc/f w:/srv/eq/inacc/new
    C inacc_file sd InaccessiblePaths=/srv/eq/inacc/f jh "filesystem.inaccessible = /srv/eq/inacc/f" \
        ops r:/srv/eq/inacc/f stat:/srv/eq/inacc/f ow:/srv/eq/inacc/f
    C inacc_dir_user sd InaccessiblePaths=/srv/eq/inacc User=eqsvc \
        jh "filesystem.inaccessible = /srv/eq/inacc" "service.user = eqsvc" \
        ops ls:/srv/eq/inacc r:/srv/eq/inacc/f stat:/srv/eq/inacc
    C inacc_proc_file sd InaccessiblePaths=/proc/kallsyms jh "filesystem.inaccessible = /proc/kallsyms" \
        ops rsize:/proc/kallsyms stat:/proc/kallsyms
    C inacc_proc_dir sd InaccessiblePaths=/proc/sys/kernel \
        jh "filesystem.inaccessible = /proc/sys/kernel" \
        ops ls:/proc/sys/kernel r:/proc/sys/kernel/ostype stat:/proc/sys/kernel
    C inacc_missing sd InaccessiblePaths=/srv/eq/nope jh "filesystem.inaccessible = /srv/eq/nope" ops id
    C inacc_optional sd InaccessiblePaths=-/srv/eq/nope jh "filesystem.inaccessible = -/srv/eq/nope" \
        ops id
    # --- mask: a file covered by /dev/null, a directory by an empty read-only tmpfs
    C mask_file sd BindReadOnlyPaths=/dev/null:/proc/loadavg jh "filesystem.mask = /proc/loadavg" \
        ops rsize:/proc/loadavg stat:/proc/loadavg ow:/proc/loadavg
    C mask_dir sd TemporaryFileSystem=/srv/eq/inacc:ro jh "filesystem.mask = /srv/eq/inacc" \
        ops ls:/srv/eq/inacc w:/srv/eq/inacc/new vfs:/srv/eq/inacc
    # --- MountFlags= / propagation (any namespacing directive makes systemd unshare)
    C propagation_slave sd MountFlags=slave TemporaryFileSystem=/srv/eq/t \
        jh "filesystem.propagation = slave" "filesystem.tmpfs = /srv/eq/t" ops prop:/ prop:/srv/eq/ro/mnt
    C propagation_private sd MountFlags=private TemporaryFileSystem=/srv/eq/t \
        jh "filesystem.propagation = private" "filesystem.tmpfs = /srv/eq/t" \
        ops prop:/ prop:/srv/eq/ro/mnt
    # --- PrivateDevices= / private_dev
    C private_dev sd PrivateDevices=yes jh "filesystem.private_dev = yes" \
        ops ls:/dev devices:/dev vfs:/dev stat:/dev "${caps[@]}"
    C private_dev_shm sd PrivateDevices=yes jh "filesystem.private_dev = yes" \
        ops stat:/dev/shm vfs:/dev/shm w:/dev/shm/jheq ls:/dev/pts stat:/dev/ptmx ow:/dev/null \
        r:/dev/zero exists:/dev/net/tun
    C private_dev_bind sd PrivateDevices=yes BindPaths=/dev/net/tun \
        jh "filesystem.private_dev = yes" "filesystem.bind = /dev/net/tun:/dev/net/tun" \
        ops stat:/dev/net/tun vfs:/dev/net/tun ow:/dev/net/tun exists:/dev/console
    C private_dev_bind_top sd PrivateDevices=yes BindPaths=/dev/net/tun:/dev/tun \
        jh "filesystem.private_dev = yes" "filesystem.bind = /dev/net/tun:/dev/tun" \
        ops stat:/dev/tun vfs:/dev/tun ow:/dev/tun exists:/dev/console
    C private_dev_ro sd PrivateDevices=yes ReadOnlyPaths=/dev \
        jh "filesystem.private_dev = yes" "filesystem.read_only = /dev" \
        ops w:/dev/shm/jheq ow:/dev/null vfs:/dev
    C private_dev_syscalls sd PrivateDevices=yes jh "filesystem.private_dev = yes" \
        ops sys:ioperm sys:mknod-null
    # --- ProtectProc= / protect_proc, ProcSubset= / proc_subset
    C protect_proc_user sd ProtectProc=invisible User=eqsvc \
        jh "filesystem.protect_proc = invisible" "service.user = eqsvc" \
        ops exists:/proc/1 exists:/proc/self/status
    C protect_proc_root sd ProtectProc=invisible jh "filesystem.protect_proc = invisible" \
        ops exists:/proc/1 procopts
    C proc_subset sd ProcSubset=pid jh "filesystem.proc_subset = pid" \
        ops exists:/proc/meminfo exists:/proc/sys exists:/proc/self/status exists:/proc/1 procopts
    # --- ProtectKernelTunables= / protect_kernel
    C protect_kernel sd ProtectKernelTunables=yes jh "filesystem.protect_kernel = yes" \
        ops vfs:/proc/sys vfs:/sys ow:/proc/sys/kernel/domainname ow:/proc/sys/net/ipv4/ip_forward \
        vfs:/proc/sys/net vfs:/proc/irq
    # --- RootDirectory= / root
    C root_dir sd RootDirectory=/srv/eqroot BindReadOnlyPaths=/usr \
        jh "filesystem.root = /srv/eqroot" "filesystem.bind = /usr:/usr:ro" \
        ops ls:/ cwd exists:/srv/eq/ro/f fs:/proc fs:/dev fs:/sys/kernel exists:/run/systemd \
        w:/new
    C root_dir_apivfs sd RootDirectory=/srv/eqroot BindReadOnlyPaths=/usr MountAPIVFS=yes \
        jh "filesystem.root = /srv/eqroot" "filesystem.bind = /usr:/usr:ro" \
        ops fs:/proc fs:/dev fs:/sys/kernel exists:/proc/self/status exists:/dev/null ls:/work
    C root_dir_workdir sd RootDirectory=/srv/eqroot BindReadOnlyPaths=/usr WorkingDirectory=/work \
        jh "filesystem.root = /srv/eqroot" "filesystem.bind = /usr:/usr:ro" \
        "service.working_directory = /work" ops cwd ls:.
    # --- CapabilityBoundingSet= / keep, drop; AmbientCapabilities= / ambient
    C cap_keep sd "CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_CHOWN" \
        jh "capabilities.keep = CAP_NET_BIND_SERVICE CAP_CHOWN" ops "${caps[@]}"
    C cap_keep_empty sd CapabilityBoundingSet= jh "capabilities.keep = none" \
        ops "${caps[@]}" sys:chown
    C cap_drop sd "CapabilityBoundingSet=~CAP_SYS_ADMIN CAP_NET_RAW" \
        jh "capabilities.drop = CAP_SYS_ADMIN CAP_NET_RAW" ops "${caps[@]}"
    C cap_lowercase sd "CapabilityBoundingSet=~cap_net_raw" jh "capabilities.drop = net_raw" \
        ops st:CapBnd
    C ambient_user sd User=eqsvc AmbientCapabilities=CAP_NET_BIND_SERVICE \
        jh "service.user = eqsvc" "capabilities.ambient = CAP_NET_BIND_SERVICE" \
        ops "${caps[@]}" sys:bind-low
    C ambient_root sd AmbientCapabilities=CAP_NET_BIND_SERVICE \
        jh "capabilities.ambient = CAP_NET_BIND_SERVICE" ops "${caps[@]}"
    C user_caps sd User=eqsvc jh "service.user = eqsvc" ops "${caps[@]}" sys:bind-low
    # --- NoNewPrivileges= / no_new_privileges
    C nnp sd NoNewPrivileges=yes jh "capabilities.no_new_privileges = yes" ops st:NoNewPrivs
    C nnp_off sd NoNewPrivileges=no jh "capabilities.no_new_privileges = no" ops st:NoNewPrivs
    # --- SystemCallFilter= / deny, allow; SystemCallErrorNumber= / errno, action
    C scf_deny_group sd SystemCallFilter=~@sync SystemCallErrorNumber=EPERM \
        jh "seccomp.deny = @sync" ops sys:fsync sys:flock
    C scf_deny_one sd SystemCallFilter=~flock SystemCallErrorNumber=EPERM \
        jh "seccomp.deny = flock" ops sys:flock sys:fsync
    C scf_deny_kill sd SystemCallFilter=~flock jh "seccomp.deny = flock" "seccomp.action = kill" \
        ops sys:flock
    C scf_deny_errno sd SystemCallFilter=~flock:EACCES jh "seccomp.deny = flock:EACCES" \
        ops sys:flock sys:fsync
    C scf_errno sd SystemCallFilter=~flock SystemCallErrorNumber=EACCES \
        jh "seccomp.deny = flock" "seccomp.errno = EACCES" ops sys:flock
    C scf_allow sd SystemCallFilter=@system-service SystemCallErrorNumber=EPERM \
        jh "seccomp.allow = @system-service" ops sys:flock sys:mincore sys:mount sys:fsync
    C scf_allow_minus sd SystemCallFilter=@system-service SystemCallFilter=~flock \
        SystemCallErrorNumber=EPERM jh "seccomp.allow = @system-service" "seccomp.deny = flock" \
        ops sys:flock sys:mincore
    C scf_allow_errno sd SystemCallFilter=@system-service SystemCallErrorNumber=EIO \
        jh "seccomp.allow = @system-service" "seccomp.errno = EIO" ops sys:mincore sys:flock
    C scf_mount_group sd SystemCallFilter=~@mount SystemCallErrorNumber=EPERM \
        jh "seccomp.deny = @mount" ops sys:mount sys:flock
    C scf_privileged sd SystemCallFilter=~@privileged SystemCallErrorNumber=EPERM \
        jh "seccomp.deny = @privileged" ops sys:chown sys:mount sys:flock sys:fsync
    C scf_setuid_caller sd User=eqsvc SystemCallFilter=@system-service SystemCallErrorNumber=EPERM \
        jh "service.user = eqsvc" "seccomp.allow = @system-service" ops id sys:flock
    # --- SystemCallArchitectures= / native_only
    C arch_native sd SystemCallArchitectures=native jh "seccomp.native_only = yes" \
        ops sys:i386-getpid sys:flock
    C arch_any sd SystemCallFilter=~flock SystemCallErrorNumber=EPERM \
        jh "seccomp.deny = flock" "seccomp.native_only = no" ops sys:i386-getpid
    # --- RestrictSUIDSGID=, LockPersonality=, RestrictRealtime=, RestrictNamespaces=,
    #     MemoryDenyWriteExecute=, RestrictAddressFamilies=
    C restrict_suid sd RestrictSUIDSGID=yes jh "seccomp.restrict_suid_sgid = yes" \
        ops sys:chmod-suid sys:chmod-sgid sys:chmod-plain
    C restrict_suid_off sd RestrictSUIDSGID=no jh "seccomp.restrict_suid_sgid = no" \
        ops sys:chmod-suid
    C lock_personality sd LockPersonality=yes jh "seccomp.lock_personality = yes" \
        ops sys:personality sys:personality-same sys:personality-query
    C restrict_realtime sd RestrictRealtime=yes jh "seccomp.restrict_realtime = yes" \
        ops sys:sched-fifo sys:sched-other
    C restrict_ns_all sd RestrictNamespaces=yes jh "namespaces.allow_create =" \
        ops sys:unshare-net sys:unshare-uts sys:unshare-mnt sys:unshare-user
    C restrict_ns_some sd "RestrictNamespaces=net uts" \
        jh "namespaces.allow_create =" "namespaces.allow_create = net uts" \
        ops sys:unshare-net sys:unshare-uts sys:unshare-ipc sys:unshare-mnt
    C restrict_ns_off sd RestrictNamespaces=no jh "namespaces.allow_create = all" \
        ops sys:unshare-net sys:unshare-ipc
    C mdwe sd MemoryDenyWriteExecute=yes jh "seccomp.memory_deny_write_execute = yes" \
        ops sys:mmap-wx sys:mprotect-x sys:mmap-r
    C address_families sd RestrictAddressFamilies=AF_UNIX jh "seccomp.address_families = AF_UNIX" \
        ops sys:socket-unix sys:socket-inet sys:socket-netlink
    C address_families_inet6 sd RestrictAddressFamilies=AF_INET6 \
        jh "seccomp.address_families = AF_INET6" ops sys:socket-unix sys:socket-inet sys:socket-inet6
    # --- PrivateNetwork= / net, PrivateIPC= / ipc, ProtectHostname= / uts
    C private_network sd PrivateNetwork=yes jh "namespaces.net = yes" \
        ops ns:net netifs ls:/sys/class/net
    C private_ipc sd PrivateIPC=yes jh "namespaces.ipc = yes" ops ns:ipc sysvmsg
    C protect_hostname sd ProtectHostname=yes jh "namespaces.uts = yes" \
        ops ns:uts hostname sys:sethostname
    C protect_hostname_deny sd ProtectHostname=yes \
        jh "namespaces.uts = yes" "seccomp.deny = sethostname setdomainname" \
        ops ns:uts hostname sys:sethostname
    C protect_cgroups sd ProtectControlGroups=yes jh "namespaces.cgroup = yes" \
        ops vfs:/sys/fs/cgroup w:/sys/fs/cgroup/jheq
    C private_users sd PrivateUsers=yes jh "namespaces.user = yes" ops ns:user uidmap
    # --- User= / Group= / SupplementaryGroups= / user, group, supplementary_groups
    C user sd User=eqsvc jh "service.user = eqsvc" ops "${ident[@]}"
    C user_group sd User=eqsvc Group=eqother jh "service.user = eqsvc" "service.group = eqother" \
        ops "${ident[@]}"
    C user_supplementary sd User=eqsvc SupplementaryGroups=eqother \
        jh "service.user = eqsvc" "service.supplementary_groups = eqother" ops id
    C user_numeric sd User=4300 jh "service.user = 4300" ops "${ident[@]}"
    C user_root sd User=root jh "service.user = root" ops "${ident[@]}"
    C no_user sd jh ops "${ident[@]}"
    C group_only sd Group=eqother jh "service.group = eqother" ops id
    C user_missing sd User=eqnosuchuser jh "service.user = eqnosuchuser" ops id
    C user_env_override sd User=eqsvc Environment=HOME=/srv/eq \
        jh "service.user = eqsvc" "service.environment = HOME=/srv/eq" ops env:HOME env:USER
    # --- WorkingDirectory= / working_directory
    C workdir sd WorkingDirectory=/srv/eq jh "service.working_directory = /srv/eq" ops cwd
    C workdir_missing sd WorkingDirectory=/srv/eq/nope \
        jh "service.working_directory = /srv/eq/nope" ops cwd
    C workdir_user sd User=eqsvc WorkingDirectory=/srv/eq/ro \
        jh "service.user = eqsvc" "service.working_directory = /srv/eq/ro" ops cwd id
    # --- Environment= / UnsetEnvironment= / environment, unset_environment
    C environment sd Environment=EQA=1 'Environment="EQB=two words"' \
        jh "service.environment = EQA=1" "service.environment = EQB=two words" \
        ops env:EQA env:EQB
    C unset_environment sd UnsetEnvironment=LANG jh "service.unset_environment = LANG" \
        ops env:LANG env:PATH
    C unset_set_variable sd Environment=EQA=1 UnsetEnvironment=EQA \
        jh "service.environment = EQA=1" "service.unset_environment = EQA" ops env:EQA
    # --- UMask= / umask
    C umask sd UMask=0077 jh "service.umask = 0077" ops umask newmode:/tmp/jheq-umask
    C umask_default sd jh ops umask
    # --- the session, the exit status
    C session sd jh ops session tty
    C exit_status sd jh ops exit:7
    # --- LoadCredential= / SetCredential= / [secrets]
    C cred_set sd SetCredential=tok:s3cret jhp SetCredential=tok:s3cret \
        jh "secrets.tok = credential:tok" ops cred:tok credstat:tok credvfs
    C cred_load sd LoadCredential=tok:/srv/eq/secret.txt jhp LoadCredential=tok:/srv/eq/secret.txt \
        jh "secrets.tok = credential:tok" ops cred:tok credstat:tok credvfs
    C cred_load_path sd LoadCredential=tok:/srv/eq/secret.txt jh "secrets.tok = /srv/eq/secret.txt" \
        ops cred:tok credstat:tok r:/srv/eq/secret.txt
    C cred_user sd User=eqsvc SetCredential=tok:s3cret jhp SetCredential=tok:s3cret \
        jh "service.user = eqsvc" "secrets.tok = credential:tok" ops cred:tok credstat:tok
    C cred_none sd jh ops credenv
}

# ---------------------------------------------------------------- the probe
#
# OPs, each printing one "OP=VALUE" line (errno names for failures, "SIGSYS" when
# a child died of its seccomp filter; never a path or value that differs between
# two runs of the same sandbox):
#   w:P (create and write, then remove)  ow:P (open existing for writing)
#   r:P (content)  rsize:P  ls:P  stat:P (mode uid gid type)  exists:P
#   vfs:P (ro/rw,nosuid,nodev,noexec)  fs:P (type of the mount holding P)
#   prop:P (propagation of the mount at P: shared, master, private)
#   procopts (hidepid= and subset= of the procfs on /proc)
#   size:P (file system size)  st:FIELD (/proc/self/status)  env:NAME  id  cwd
#   umask  newmode:P (mode of a file created at P)  session  tty  ns:TYPE
#   (host or new, against the container's own)  netifs  sysvmsg  hostname
#   uidmap  sys:CALL (see SYSCALLS)  cred:NAME credstat:NAME credvfs credenv
#   devices:P  exit:N
write_probe() {
    cat <<'EOF'
#!/usr/bin/python3
import ctypes, errno, fcntl, mmap, os, signal, socket, stat, struct, subprocess, sys

LIB = "/usr/local/lib/jh-equiv"
libc = ctypes.CDLL(None, use_errno=True)


def ename(e):
    return errno.errorcode.get(e, str(e))


def attempt(fn):
    try:
        r = fn()
    except OSError as e:
        return ename(e.errno)
    return "OK" if r is None else str(r)


def check(rc):
    if rc == -1:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return None


def in_child(fn):
    """Runs fn in a child: OK, the errno name, or SIGNAME if it died of a signal."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        out = attempt(fn)
        os.write(w, out.encode())
        os._exit(0)
    os.close(w)
    data = os.read(r, 100).decode()
    os.close(r)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return signal.Signals(os.WTERMSIG(status)).name
    return data


def write_file(p):
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    os.write(fd, b"x")
    os.close(fd)
    os.unlink(p)


def vfs(p):
    f = os.statvfs(p).f_flag
    w = ["ro" if f & os.ST_RDONLY else "rw"]
    for bit, n in ((os.ST_NOSUID, "nosuid"), (os.ST_NODEV, "nodev"), (os.ST_NOEXEC, "noexec")):
        if f & bit:
            w.append(n)
    return ",".join(w)


def mount_of(p):
    p = os.path.realpath(p)
    best, fstype = "", "none"
    with open("/proc/self/mountinfo") as f:
        for line in f:
            x = line.split()
            mp = x[4].replace("\\040", " ")
            if (p == mp or p.startswith(mp.rstrip("/") + "/")) and len(mp) >= len(best):
                best, fstype = mp, x[x.index("-") + 1]
    return fstype


def propagation(p):
    """The kinds of the optional fields (shared, master) of the mount at P, or private."""
    found = None
    with open("/proc/self/mountinfo") as f:
        for line in f:
            x = line.split()
            if x[4] == p:
                found = x
    if not found:
        return "not-a-mount"
    tags = sorted(t.split(":")[0] for t in found[6:found.index("-")])
    return ",".join(tags) or "private"


def procopts():
    """The hidepid= and subset= options of the procfs on /proc, or none."""
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            x = line.split()
            if x[4] == "/proc":
                opts = x[x.index("-") + 3].split(",")
                found = [o for o in opts if o.startswith(("hidepid=", "subset="))]
    return ",".join(found) or "none"


def status(key):
    with open("/proc/self/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k == key:
                return v.strip()
    return "absent"


def ident():
    groups = ",".join(str(g) for g in sorted(set(os.getgroups())))
    return "uid=%d gid=%d groups=%s" % (os.getuid(), os.getgid(), groups)


def kind(m):
    for t, n in ((stat.S_ISDIR, "dir"), (stat.S_ISCHR, "chr"), (stat.S_ISBLK, "blk"),
                 (stat.S_ISLNK, "lnk"), (stat.S_ISREG, "reg")):
        if t(m):
            return n
    return "other"


def lstat(p):
    s = os.lstat(p)
    return "%o %d %d %s" % (stat.S_IMODE(s.st_mode), s.st_uid, s.st_gid, kind(s.st_mode))


def devices(p):
    out = []
    for top, dirs, files in os.walk(p):
        for n in dirs + files:
            full = os.path.join(top, n)
            try:
                s = os.lstat(full)
            except OSError:
                continue
            rel = os.path.relpath(full, p)
            if stat.S_ISCHR(s.st_mode) or stat.S_ISBLK(s.st_mode):
                out.append("%s:%d:%d" % (rel, os.major(s.st_rdev), os.minor(s.st_rdev)))
    return " ".join(sorted(out))


def ns(t):
    with open("%s/ns.%s" % (LIB, t)) as f:
        ref = f.read().strip()
    return "host" if os.readlink("/proc/self/ns/" + t) == ref else "new"


def netifs():
    out = []
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        for _, n in socket.if_nameindex():
            req = struct.pack("16sh", n.encode(), 0)
            fl = struct.unpack("16sh", fcntl.ioctl(s.fileno(), 0x8913, req)[:18])[1]
            out.append("%s:%s" % (n, "up" if fl & 1 else "down"))
    return " ".join(sorted(out))


def sysvmsg():
    with open("/proc/sysvipc/msg") as f:
        return str(len(f.readlines()) - 1)


def cred_path(name):
    d = os.environ.get("CREDENTIALS_DIRECTORY")
    if not d:
        raise OSError(errno.ENOENT, "no $CREDENTIALS_DIRECTORY")
    return os.path.join(d, name)


def read(p, limit=60):
    with open(p, "rb") as f:
        text = f.read(limit).decode("utf-8", "replace").strip()
    return "".join(c if c.isprintable() else "\\x%02x" % ord(c) for c in text) or "<empty>"


def rsize(p):
    with open(p, "rb") as f:
        return len(f.read(4096))


def flock():
    with open("/usr/bin/python3", "rb") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_SH)


def fsync():
    with open("/usr/bin/python3", "rb") as f:
        os.fsync(f.fileno())


def mincore():
    page = mmap.mmap(-1, mmap.PAGESIZE)
    b = (ctypes.c_char * mmap.PAGESIZE).from_buffer(page)
    vec = ctypes.create_string_buffer(1)
    rc = libc.mincore(ctypes.c_void_p(ctypes.addressof(b)), ctypes.c_size_t(mmap.PAGESIZE), vec)
    err = ctypes.get_errno()
    del b
    page.close()
    if rc != 0:
        raise OSError(err, "")


def mount():
    # Refused by a filter before the path is looked up; ENOENT otherwise.
    check(libc.mount(b"none", b"/nonexistent-jheq", b"tmpfs", ctypes.c_ulong(0), None))


def chown():
    p = "/tmp/jheq-chown-%d" % os.getpid()
    open(p, "w").close()
    try:
        os.chown(p, 4242, 4242)
    finally:
        os.unlink(p)


def chmod(mode):
    def fn():
        p = "/tmp/jheq-chmod-%d" % os.getpid()
        open(p, "w").close()
        try:
            os.chmod(p, mode)
        finally:
            os.unlink(p)
    return fn


def personality(value):
    def fn():
        libc.personality.restype = ctypes.c_int
        old = libc.personality(ctypes.c_ulong(0xFFFFFFFF))
        check(libc.personality(ctypes.c_ulong(value)))
        libc.personality(ctypes.c_ulong(old))
    return fn


def sched(policy):
    def fn():
        os.sched_setscheduler(0, policy, os.sched_param(1 if policy == os.SCHED_FIFO else 0))
    return fn


def unshare(flag):
    return lambda: check(libc.unshare(flag))


def mmap_call(prot, then=None):
    def fn():
        libc.mmap.restype = ctypes.c_void_p
        libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                              ctypes.c_int, ctypes.c_long]
        a = libc.mmap(None, 4096, prot, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, -1, 0)
        if a is None or a == ctypes.c_void_p(-1).value:
            e = ctypes.get_errno()
            raise OSError(e, "")
        if then is not None:
            check(libc.mprotect(ctypes.c_void_p(a), ctypes.c_size_t(4096), then))
    return fn


def sock(family, kind=socket.SOCK_DGRAM, proto=0):
    def fn():
        socket.socket(family, kind, proto).close()
    return fn


def bind_low():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 999))


def sethostname():
    name = socket.gethostname().encode()
    check(libc.sethostname(name, ctypes.c_size_t(len(name))))


def mknod_null():
    p = "/tmp/jheq-null-%d" % os.getpid()
    os.mknod(p, stat.S_IFCHR | 0o600, os.makedev(1, 3))
    os.unlink(p)


def ioperm():
    check(libc.ioperm(ctypes.c_ulong(0x80), ctypes.c_ulong(1), 0))


def i386_getpid():
    helper = LIB + "/abi-helper"
    if not os.path.exists(helper):
        return "no-helper"
    r = subprocess.run([helper], capture_output=True, text=True)
    if r.returncode < 0:
        return signal.Signals(-r.returncode).name
    return r.stdout.strip()


RT = os.SCHED_FIFO
PROT_R, PROT_W, PROT_X = mmap.PROT_READ, mmap.PROT_WRITE, mmap.PROT_EXEC
SYSCALLS = {
    "flock": flock, "fsync": fsync, "mincore": mincore, "mount": mount, "chown": chown,
    "chmod-suid": chmod(0o4755), "chmod-sgid": chmod(0o2755), "chmod-plain": chmod(0o755),
    "personality": personality(0x0008), "personality-query": personality(0xFFFFFFFF),
    "personality-same": personality(0),
    "sched-fifo": sched(RT), "sched-other": sched(os.SCHED_OTHER),
    "unshare-net": unshare(0x40000000), "unshare-uts": unshare(0x04000000),
    "unshare-ipc": unshare(0x08000000), "unshare-mnt": unshare(0x00020000),
    "unshare-user": unshare(0x10000000),
    "mmap-wx": mmap_call(PROT_R | PROT_W | PROT_X), "mmap-r": mmap_call(PROT_R),
    "mprotect-x": mmap_call(PROT_R | PROT_W, PROT_R | PROT_X),
    "socket-unix": sock(socket.AF_UNIX), "socket-inet": sock(socket.AF_INET),
    "socket-inet6": sock(socket.AF_INET6),
    "socket-netlink": sock(socket.AF_NETLINK, socket.SOCK_RAW, 0),
    "bind-low": bind_low, "sethostname": sethostname, "mknod-null": mknod_null,
    "ioperm": ioperm,
}


def op(spec):
    name, _, arg = spec.partition(":")
    if name == "w":
        return attempt(lambda: write_file(arg))
    if name == "ow":
        return attempt(lambda: os.close(os.open(arg, os.O_WRONLY)))
    if name == "r":
        return attempt(lambda: read(arg))
    if name == "rsize":
        return attempt(lambda: rsize(arg))
    if name == "ls":
        return attempt(lambda: ",".join(sorted(os.listdir(arg))) or "<empty>")
    if name == "stat":
        return attempt(lambda: lstat(arg))
    if name == "exists":
        return "yes" if os.path.lexists(arg) else "no"
    if name == "vfs":
        return attempt(lambda: vfs(arg))
    if name == "fs":
        return attempt(lambda: mount_of(arg))
    if name == "procopts":
        return attempt(procopts)
    if name == "prop":
        return attempt(lambda: propagation(arg))
    if name == "size":
        return attempt(lambda: os.statvfs(arg).f_blocks * os.statvfs(arg).f_frsize)
    if name == "devices":
        return devices(arg)
    if name == "st":
        return status(arg)
    if name == "env":
        return os.environ.get(arg, "<unset>")
    if name == "id":
        return ident()
    if name == "cwd":
        return attempt(os.getcwd)
    if name == "umask":
        old = os.umask(0)
        os.umask(old)
        return "%04o" % old
    if name == "newmode":
        def fn():
            fd = os.open(arg, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            os.close(fd)
            m = stat.S_IMODE(os.stat(arg).st_mode)
            os.unlink(arg)
            return "%o" % m
        return attempt(fn)
    if name == "session":
        return "leader" if os.getsid(0) == os.getpid() else "not-leader"
    if name == "tty":
        return attempt(lambda: os.close(os.open("/dev/tty", os.O_RDWR)))
    if name == "ns":
        return attempt(lambda: ns(arg))
    if name == "netifs":
        return attempt(netifs)
    if name == "sysvmsg":
        return attempt(sysvmsg)
    if name == "hostname":
        return socket.gethostname()
    if name == "uidmap":
        return attempt(lambda: " ".join(open("/proc/self/uid_map").read().split()))
    if name == "sys":
        if arg == "i386-getpid":
            return i386_getpid()
        return in_child(SYSCALLS[arg])
    if name == "cred":
        return attempt(lambda: read(cred_path(arg)))
    if name == "credstat":
        return attempt(lambda: lstat(cred_path(arg)))
    if name == "credvfs":
        return attempt(lambda: vfs(cred_path(".")))
    if name == "credenv":
        return "set" if "CREDENTIALS_DIRECTORY" in os.environ else "unset"
    if name == "exit":
        sys.stdout.flush()
        os._exit(int(arg))
    return "unknown-op"


for spec in sys.argv[1:]:
    try:
        value = op(spec)
    except Exception as e:  # a probe never dies of its own bug: the line says what went wrong
        value = "EXC:" + type(e).__name__
    print("%s=%s" % (spec, " ".join(str(value).split())), flush=True)
EOF
}

# The i386 helper: getpid through int 0x80 (the 32-bit ABI). Prints OK, or the
# errno name; dies of SIGSYS when a filter kills it.
write_abi_helper() {
    cat <<'EOF'
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <errno.h>
int main(void) {
  long r;
  // The kernel clears r8-r11 on the int 0x80 path.
  __asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "r8", "r9", "r10", "r11", "memory");
  if (r < 0 && r > -4096) {
    const char* n = strerrorname_np((int)-r);
    printf("%s\n", n ? n : "?");
  } else {
    printf("OK\n");
  }
  return 0;
}
EOF
}

# ---------------------------------------------------------------- the runner (in the container)
#
# Runs every case directory under /root/eq/cases: the neutral policy, the
# --check, the systemd run and the jharden run; the outputs stay in the case's
# directory (sd.out sd.rc check.out check.rc jh.out jh.rc).
write_runner() {
    cat <<'EOF'
#!/bin/bash
set -u
JH=$1
LIB=/usr/local/lib/jh-equiv
cd /root/eq || exit 1
# The neutral policy: only the lines this jharden knows.
install -d -m 0755 /root/eq/neutral-check
: >/root/eq/neutral
while read -r line; do
    [[ -n $line ]] || continue
    printf '[%s]\n%s\n' "${line%%.*}" "${line#*.}" >/root/eq/neutral-check/eq
    chmod 0644 /root/eq/neutral-check/eq
    if "$JH" --check --policy-dir /root/eq/neutral-check eq >/dev/null 2>&1; then
        printf '[%s]\n%s\n' "${line%%.*}" "${line#*.}" >>/root/eq/neutral
    else
        echo "$line" >>/root/eq/neutral.unknown
    fi
done </root/eq/neutral.lines
run() {  # run OUT RC PROPS_FILE CMD...
    local out=$1 rc=$2 props=$3 p args=()
    shift 3
    while IFS= read -r p; do [[ -n $p ]] && args+=(-p "$p"); done <"$props"
    timeout 40 systemd-run --wait --pipe --quiet -p RuntimeMaxSec=30 "${args[@]}" -- "$@" \
        </dev/null >"$out" 2>"${out%.out}.err"
    echo $? >"$rc"
}
for dir in /root/eq/cases/*/; do
    dir=${dir%/}
    # The whole script stays under 8 minutes even if runs hang until RuntimeMaxSec=.
    if ((SECONDS > 360)); then echo skipped >"$dir/sd.rc"; continue; fi
    mapfile -t ops <"$dir/ops"
    probe=(/usr/bin/python3 "$LIB/probe.py" "${ops[@]}")
    install -d -m 0755 "$dir/pol" "$dir/pol/eq.d"
    install -m 0644 /root/eq/neutral "$dir/pol/eq"
    install -m 0644 "$dir/jh" "$dir/pol/eq.d/50-case.conf"
    run "$dir/sd.out" "$dir/sd.rc" "$dir/sd" "${probe[@]}"
    # --check runs outside the unit (no credentials there): only its 78 (an
    # invalid policy, or a key this jharden does not know) stops the run.
    "$JH" --check --policy-dir "$dir/pol" eq >"$dir/check.out" 2>&1
    echo $? >"$dir/check.rc"
    if [[ $(cat "$dir/check.rc") != 78 ]]; then
        run "$dir/jh.out" "$dir/jh.rc" "$dir/jhp" "$JH" --policy-dir "$dir/pol" eq -- "${probe[@]}"
    fi
done
EOF
}

# ---------------------------------------------------------------- container set-up

in_ct() { nspawn_exec "$CT" "$@"; }

cleanup() {
    [[ -n $STAGE ]] && rm -rf -- "$STAGE"
    if ((OWN_CT)) && [[ -n $CT && -d $CT ]]; then
        cp -f "$CT/console.log" "$LOGDIR/console.log" 2>/dev/null
        nspawn_stop "$CT" || echo "# warning: could not stop the container in $CT" >&2
    fi
}

# The fixtures: the same files for both runs of every case.
fixtures() {
    in_ct bash -e -c '
        for c in python3 systemd-run useradd groupadd getent ipcmk ipcs mountpoint; do
            command -v $c >/dev/null || { echo "missing in the container: $c" >&2; exit 1; }
        done
        for m in /srv/eq/ro/mnt /srv/eq/src/mnt; do ! mountpoint -q $m || umount $m; done
        rm -rf --one-file-system /srv/eq /srv/eqroot
        mkdir -p /srv/eq/ro/sub /srv/eq/ro/mnt /srv/eq/rw /srv/eq/t /srv/eq/src/mnt /srv/eq/tgt \
                 /srv/eq/inacc/d /srv/eqroot/proc /srv/eqroot/dev /srv/eqroot/sys \
                 /srv/eqroot/usr /srv/eqroot/work /srv/eqroot/tmp
        echo ro >/srv/eq/ro/f
        echo hidden >/srv/eq/t/hidden
        echo bound >/srv/eq/src/f
        echo inacc >/srv/eq/inacc/f
        echo s3cret >/srv/eq/secret.txt; chmod 0600 /srv/eq/secret.txt
        ln -s ro /srv/eq/link-ro
        mountpoint -q /srv/eq/ro/mnt || mount -t tmpfs -o mode=0755 eq-ro-mnt /srv/eq/ro/mnt
        mountpoint -q /srv/eq/src/mnt || mount -t tmpfs -o mode=0755 eq-src-mnt /srv/eq/src/mnt
        echo inner >/srv/eq/src/mnt/inner
        for l in bin lib lib64 sbin; do ln -s usr/$l /srv/eqroot/$l; done
        chmod 1777 /srv/eqroot/tmp
        echo eqroot >/srv/eqroot/work/here
        touch /tmp/jheq-host /var/tmp/jheq-host
        getent group eqother >/dev/null || groupadd -g 4244 eqother
        getent group eqextra >/dev/null || groupadd -g 4243 eqextra
        getent passwd eqsvc >/dev/null ||
            useradd -u 4242 -U -G eqextra -d /home/eqsvc -m -s /bin/bash eqsvc
        ipcs -q | grep -q 0x || ipcmk -Q >/dev/null
        install -d -m 0755 '"$LIB"'
        for t in net ipc uts user mnt pid cgroup; do
            readlink /proc/1/ns/$t >'"$LIB"'/ns.$t
        done
        rm -rf /root/eq; install -d -m 0700 /root/eq
        systemctl reset-failed 2>/dev/null || true'
}

install_tools() {
    local src
    write_probe | in_ct install -D -m 0755 /dev/stdin "$LIB/probe.py" || return 1
    write_runner | in_ct install -D -m 0755 /dev/stdin "$LIB/runner.sh" || return 1
    if command -v gcc >/dev/null && write_abi_helper | gcc -Wall -Werror -O2 -x c -o "$STAGE/abi-helper" -; then
        nspawn_copy "$CT" "$STAGE/abi-helper" "$LIB/abi-helper" || return 1
    fi
    if [[ -n $JHARDEN_FILE ]]; then
        nspawn_copy "$CT" "$JHARDEN_FILE" "$LIB/jharden" || return 1
        JH=$LIB/jharden
    elif in_ct test -x /usr/lib/jharden; then
        JH=/usr/lib/jharden
    else
        src=$TOP/build/src/jharden
        [[ -x $src ]] || { echo "equivalence.sh: no jharden: build it or give --jharden" >&2; return 1; }
        nspawn_copy "$CT" "$src" "$LIB/jharden" || return 1
        JH=$LIB/jharden
    fi
}

# ---------------------------------------------------------------- comparison

# man_section: the text of "Differences from systemd.exec(5)" in jharden.conf(5).
man_section() {
    [[ -f $MAN ]] || return 0
    awk '/^\.SH/ { on = ($0 ~ /DIFFERENCES FROM SYSTEMD/) } on' "$MAN"
}

# in_list ITEM LIST: LIST (comma-separated) holds ITEM, or is "*".
in_list() { [[ $2 == "*" || ,$2, == *",$1,"* ]]; }

# known_for CASE KEY: "DIRECTIVE|REASON" of the KNOWN entry for KEY in CASE.
known_for() {
    local entry c k d r
    for entry in "${KNOWN[@]}"; do
        IFS='|' read -r c k d r <<<"$entry"
        if in_list "$1" "$c" && in_list "$2" "$k"; then printf '%s|%s\n' "$d" "$r"; return 0; fi
    done
    return 1
}

# bug_for CASE KEY: the description of the BUGS entry for KEY in CASE.
bug_for() {
    local entry c k r
    for entry in "${BUGS[@]}"; do
        IFS='|' read -r c k r <<<"$entry"
        if in_list "$1" "$c" && in_list "$2" "$k"; then printf '%s\n' "$r"; return 0; fi
    done
    return 1
}

# gap_of CHECK_OUTPUT_FILE: the gaps that explain every error line, or fail.
gap_of() {
    local line entry found gaps=()
    while IFS= read -r line; do
        [[ $line == *": error: "* ]] || continue
        found=""
        for entry in "${GAPS[@]}"; do
            if grep -Eq -- "${entry%%|*}" <<<"$line"; then found=${entry#*|}; break; fi
        done
        [[ -n $found ]] || return 1
        gaps+=("$found")
    done <"$1"
    ((${#gaps[@]})) || return 1
    printf '%s\n' "${gaps[@]}" | sort -u | paste -sd ';' | sed 's/;/; /g'
}

PASSED=0
FAILED=0

compare_case() {
    local name=$1 dir=$RES/$1 sdrc jhrc diffs=() k v sv jv info d gap manual unseen line
    declare -A sdv=() jhv=()
    sdrc=$(cat "$dir/sd.rc" 2>/dev/null)
    if [[ $sdrc == skipped ]]; then
        echo "FAIL: $name (harness: not run, the time budget of the runs was spent)"
        FAILED=$((FAILED + 1))
        return
    fi
    # systemd-run refusing the case's properties is a fault of this script, not a
    # difference: say so plainly.
    if grep -q '^Failed to start transient' "$dir/sd.err" 2>/dev/null; then
        echo "FAIL: $name (harness: systemd-run refused the properties: $(head -n 1 "$dir/sd.err"))"
        FAILED=$((FAILED + 1))
        return
    fi
    if [[ $(cat "$dir/check.rc" 2>/dev/null) == 78 ]]; then
        if gap=$(gap_of "$dir/check.out"); then
            echo "GAP: $name (this jharden does not know: $gap)"
            PASSED=$((PASSED + 1))
            return
        fi
        # jharden refused the policy: compare its status anyway (systemd may refuse too).
        jhrc=$(cat "$dir/check.rc")
        : >"$dir/jh.out"
    else
        jhrc=$(cat "$dir/jh.rc" 2>/dev/null)
    fi
    [[ $sdrc == "$jhrc" ]] || diffs+=("exit")
    while IFS= read -r line; do
        [[ $line == *=* ]] && sdv[${line%%=*}]=${line#*=}
    done <"$dir/sd.out"
    while IFS= read -r line; do
        [[ $line == *=* ]] && jhv[${line%%=*}]=${line#*=}
    done <"$dir/jh.out"
    while IFS= read -r k; do
        [[ -n $k ]] || continue
        sv=${sdv[$k]-<none>}
        jv=${jhv[$k]-<none>}
        [[ $sv == "$jv" ]] || diffs+=("$k")
    done < <(printf '%s\n' "${!sdv[@]}" "${!jhv[@]}" | sort -u)
    if ((${#diffs[@]} == 0)); then
        # A documented difference that no longer shows: say so, the table may be stale.
        unseen=$(printf '%s\n' "${KNOWN[@]}" |
                 awk -F'|' -v c="$name" 'index("," $1 ",", "," c ",") { print $2 }' | paste -sd' ')
        echo "PASS: $name${unseen:+ (the documented difference in $unseen was not seen)}"
        PASSED=$((PASSED + 1))
        return
    fi
    # A run that printed nothing (refused or failed before the probe): its
    # status says it all, its missing lines are not listed one by one.
    if [[ " ${diffs[*]} " == *" exit "* ]] && { [[ ! -s $dir/sd.out ]] || [[ ! -s $dir/jh.out ]]; }; then
        diffs=(exit)
    fi
    manual=$(man_section)
    # Differences with the same explanation are reported together.
    declare -A group=()
    local labels=() label failing=0 out=""
    for k in "${diffs[@]}"; do
        if [[ $k == exit ]]; then
            info="exit: systemd=$sdrc jharden=$jhrc"
            [[ -s $dir/jh.err ]] && info+=" [$(grep -m1 '^jharden' "$dir/jh.err" || head -n1 "$dir/jh.err")]"
            [[ $(cat "$dir/check.rc" 2>/dev/null) == 78 ]] && info+=" [--check: $(grep -m1 error "$dir/check.out")]"
            [[ -s $dir/sd.out ]] || info+=" [no probe output under systemd]"
            [[ -s $dir/jh.out ]] || info+=" [no probe output under jharden]"
        else
            info="$k: systemd=${sdv[$k]-<none>} jharden=${jhv[$k]-<none>}"
        fi
        if v=$(bug_for "$name" "$k"); then
            label="jharden bug: $v"
            failing=1
        elif v=$(known_for "$name" "$k"); then
            d=${v%%|*}
            label=${v#*|}
            if ! grep -qE -- "(^|[^A-Za-z])$d" <<<"$manual"; then
                label="listed as known, but $d is not in jharden.conf(5) \"Differences from systemd.exec(5)\""
                failing=1
            fi
        else
            label="undocumented difference #$k"
            failing=1
        fi
        [[ -v group[$label] ]] || labels+=("$label")
        group[$label]+="${group[$label]:+; }$info"
    done
    for label in "${labels[@]}"; do
        out+="${out:+ | }${group[$label]}"
        [[ $label == "undocumented difference #"* ]] || out+=" -- $label"
    done
    if ((failing)); then
        echo "FAIL: $name ($out)"
        FAILED=$((FAILED + 1))
    else
        echo "KNOWN-DIFF: $name ($out)"
        PASSED=$((PASSED + 1))
    fi
}

# ---------------------------------------------------------------- main

usage() { sed -n '2,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2; }

main() {
    local t0=$SECONDS name
    while (($#)); do
        case $1 in
            --container) CT=$(realpath -m -- "${2:?}"); shift 2 ;;
            --jharden) JHARDEN_FILE=$(realpath -- "${2:?}"); shift 2 ;;
            -h | --help) usage ;;
            *) usage ;;
        esac
    done
    if [[ $EUID -ne 0 ]]; then echo "equivalence.sh: must run as root" >&2; exit 2; fi
    [[ -n $LOGDIR ]] || LOGDIR=$(mktemp -d /tmp/jharden-equiv-logs.XXXXXX)
    mkdir -p "$LOGDIR"
    STAGE=$(mktemp -d /tmp/jharden-equiv-stage.XXXXXX)
    RES=$LOGDIR/cases
    trap cleanup EXIT
    if [[ -z $CT ]]; then
        CT=$(mktemp -d /tmp/jharden-equiv.XXXXXX)
        OWN_CT=1
        if ! nspawn_start "$CT" 2>"$LOGDIR/boot.err"; then
            echo "FAIL: container boots ($(tail -n 1 "$LOGDIR/boot.err"))"
            echo "0 passed, 1 failed"
            exit 1
        fi
    fi
    if ! fixtures >"$LOGDIR/setup.log" 2>&1 || ! install_tools >>"$LOGDIR/setup.log" 2>&1; then
        echo "FAIL: set-up of the container (see $LOGDIR/setup.log)"
        echo "0 passed, 1 failed"
        exit 1
    fi
    echo "# jharden under test: $JH; raw outputs in $RES"
    define_cases
    mkdir -p "$STAGE/cases"
    for name in "${CASES[@]}"; do mv "$STAGE/$name" "$STAGE/cases/"; done
    printf '%s\n' "${NEUTRAL[@]}" >"$STAGE/neutral.lines"
    tar -C "$STAGE" -cf - cases neutral.lines | in_ct tar -C /root/eq -xf -
    in_ct "$LIB/runner.sh" "$JH" >"$LOGDIR/runner.log" 2>&1
    mkdir -p "$RES"
    in_ct tar -C /root/eq -cf - cases neutral neutral.unknown 2>/dev/null | tar -C "$LOGDIR" -xf -
    if [[ -s $LOGDIR/neutral.unknown ]]; then
        echo "# neutral policy without (unknown to this jharden): $(paste -sd';' "$LOGDIR/neutral.unknown")"
    fi
    for name in "${CASES[@]}"; do compare_case "$name"; done
    echo "# ${#CASES[@]} cases in $((SECONDS - t0)) s"
    echo "$PASSED passed, $FAILED failed"
    ((FAILED == 0))
}

main "$@"
