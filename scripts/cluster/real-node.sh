# The local cluster's one real node: a private containerd (Debian's, with runc and the CNI bridge),
# kubelet and kube-proxy built by the toolchain, a relay that lets pods reach the API server, and
# the guards that keep every pod packet on this machine. Sourced by local-up.sh and local-down.sh
# after local-lib.sh; everything lives under $CLUSTER_DIR/node and is stopped by PID.
#
# Network layout (one real-node cluster per machine, since the bridge and its subnet are fixed):
#   bridge tnbr0 10.244.0.1/24   the node IP, kubelet's listen address and the API relay's
#   pods         10.244.0.0/24   Debian's CNI bridge + host-local, no masquerade
#   Services     10.0.0.0/24     the API server's default range; kube-dns is 10.0.0.10
#
# The guards (real_node_guards) sit in the mangle table's FORWARD and POSTROUTING chains, which
# run before every filter-table chain: an ACCEPT that kube-proxy or a policy enforcer adds in the
# filter table can never get ahead of them.

NODE_DIR=$CLUSTER_DIR/node
NODE_NAME=$CLUSTER_NAME-node
NODE_BRIDGE=tnbr0
NODE_IP=10.244.0.1
POD_CIDR=10.244.0.0/24
SERVICE_CIDR=10.0.0.0/24
# The first address of the Service range is the `kubernetes` Service's, the tenth kube-dns's.
KUBERNETES_SERVICE_IP=10.0.0.1
DNS_SERVICE_IP=10.0.0.10
GUARD_FORWARD=TASKNOTE-GUARD-FWD
GUARD_POSTROUTING=TASKNOTE-GUARD-POST
GUARD_HOST=TASKNOTE-GUARD-HOST
# Debian's packages the node runs on; installed when missing.
NODE_DEBS=(containerd runc containernetworking-plugins iptables ipset socat openssl)

# Says why this machine cannot run a real node (and returns 0), or returns 1.
real_node_unavailable_reason() {
  if [[ $(id -u) -ne 0 ]]; then echo 'not root: kubelet and containerd need root'; return 0; fi
  local c
  for c in cpu cpuacct cpuset memory; do
    [[ -d /sys/fs/cgroup/$c || -f /sys/fs/cgroup/cgroup.controllers ]] || { echo "no '$c' cgroup controller"; return 0; }
  done
  if ! command -v apt-get >/dev/null; then
    for c in containerd runc iptables ipset socat; do
      command -v "$c" >/dev/null || { echo "$c is missing and there is no apt-get to install it"; return 0; }
    done
  fi
  return 1
}

real_node_install() {
  local missing=() deb
  for deb in "${NODE_DEBS[@]}"; do
    dpkg-query -W -f='${Status}' "$deb" 2>/dev/null | grep -q 'install ok installed' || missing+=("$deb")
  done
  ((${#missing[@]})) || return 0
  clog "installing ${missing[*]} with apt-get"
  local apt=(apt-get -q -o DPkg::Lock::Timeout=300)
  "${apt[@]}" update >/dev/null
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y --no-install-recommends "${missing[@]}" >/dev/null
}

# Records a started process: the cluster's pids.txt is what cluster:down stops.
_node_started() { # pid name
  echo "$1" >>"$CLUSTER_DIR/pids.txt"
  echo "$1 $2" >>"$NODE_DIR/pids"
}

_node_wait() { # seconds description command...
  local seconds=$1 what=$2 i
  shift 2
  for ((i = 0; i < seconds * 5; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  cdie "$what did not happen within $seconds s (logs in $NODE_DIR/logs)"
}

# The bridge, the forwarding sysctl and the guards, before anything can start a pod.
real_node_network() {
  if ip link show "$NODE_BRIDGE" >/dev/null 2>&1; then
    cdie "the bridge $NODE_BRIDGE exists already: another real-node cluster is up on this machine ('npm run cluster:down' with its name stops it)"
  fi
  mkdir -p "$NODE_DIR"
  # Host settings kubelet and the bridge plugin change, restored by cluster:down.
  local key
  for key in kernel.panic net.ipv4.ip_forward; do
    echo "$key=$(sysctl -n "$key")" >>"$NODE_DIR/sysctl.saved"
  done
  ls /run/netns 2>/dev/null | sort >"$NODE_DIR/netns.before" || true
  ip link add "$NODE_BRIDGE" type bridge
  echo "$NODE_BRIDGE" >"$NODE_DIR/bridge"
  ip addr add "$NODE_IP/24" dev "$NODE_BRIDGE"
  ip link set "$NODE_BRIDGE" up
  real_node_guards
}

# Pod packets may be forwarded only back onto the bridge; a packet still addressed to a Service
# after NAT (nothing programmed it) goes nowhere; the host's own connections to an unprogrammed
# Service address are refused.
real_node_guards() {
  iptables -t mangle -N "$GUARD_FORWARD"
  iptables -t mangle -A "$GUARD_FORWARD" -i "$NODE_BRIDGE" -o "$NODE_BRIDGE" -d "$POD_CIDR" -j RETURN
  iptables -t mangle -A "$GUARD_FORWARD" -i "$NODE_BRIDGE" -m comment --comment 'tasknote: pod packet leaving the bridge' -j DROP
  iptables -t mangle -A "$GUARD_FORWARD" -o "$NODE_BRIDGE" -m comment --comment 'tasknote: forwarded packet into the bridge' -j DROP
  iptables -t mangle -I FORWARD 1 -j "$GUARD_FORWARD"
  iptables -t mangle -N "$GUARD_POSTROUTING"
  iptables -t mangle -A "$GUARD_POSTROUTING" -d "$SERVICE_CIDR" -m comment --comment 'tasknote: Service address nothing translated' -j DROP
  iptables -t mangle -A "$GUARD_POSTROUTING" -o "$NODE_BRIDGE" -j RETURN
  iptables -t mangle -A "$GUARD_POSTROUTING" -o lo -j RETURN
  iptables -t mangle -A "$GUARD_POSTROUTING" -s "$POD_CIDR" -m comment --comment 'tasknote: cluster address leaving the machine' -j DROP
  iptables -t mangle -I POSTROUTING 1 -j "$GUARD_POSTROUTING"
  iptables -N "$GUARD_HOST"
  iptables -A "$GUARD_HOST" -d "$SERVICE_CIDR" -p tcp -m comment --comment 'tasknote: unprogrammed Service address' -j REJECT --reject-with tcp-reset
  iptables -A "$GUARD_HOST" -d "$SERVICE_CIDR" -m comment --comment 'tasknote: unprogrammed Service address' -j REJECT
  iptables -I OUTPUT 1 -j "$GUARD_HOST"
}

# A client certificate signed by the cluster's CA, and a kubeconfig that uses it.
_node_kubeconfig() { # name CN O
  local name=$1 cn=$2 org=$3 pki=$KWOK_WORKDIR/clusters/$CLUSTER_NAME/pki dir=$NODE_DIR/pki
  mkdir -p "$dir"
  openssl req -new -newkey rsa:2048 -nodes -keyout "$dir/$name.key" -subj "/O=$org/CN=$cn" -out "$dir/$name.csr" 2>/dev/null
  openssl x509 -req -in "$dir/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 30 -out "$dir/$name.crt" 2>/dev/null
  cat >"$NODE_DIR/$name.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: local
    cluster: {server: "https://127.0.0.1:$CLUSTER_PORT", certificate-authority: "$pki/ca.crt"}
users:
  - name: $name
    user: {client-certificate: "$dir/$name.crt", client-key: "$dir/$name.key"}
contexts:
  - name: local
    context: {cluster: local, user: $name}
current-context: local
EOF
}

# containerd's config: its own root, state and socket; pulls from the local registry by digest.
_node_containerd_config() { # sandbox image
  local registry_port=${TASKNOTE_REGISTRY_PORT:-5001} host
  mkdir -p "$NODE_DIR"/{containerd/root,containerd/state,cni,cni-ipam,logs,opt}
  for host in "localhost:$registry_port" "127.0.0.1:$registry_port"; do
    mkdir -p "$NODE_DIR/certs.d/$host"
    cat >"$NODE_DIR/certs.d/$host/hosts.toml" <<EOF
server = "http://$host"
[host."http://127.0.0.1:$registry_port"]
  capabilities = ["pull", "resolve"]
EOF
  done
  cat >"$NODE_DIR/containerd.toml" <<EOF
version = 2
root = "$NODE_DIR/containerd/root"
state = "$NODE_DIR/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$NODE_DIR/containerd.sock"
[ttrpc]
  address = "$NODE_DIR/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$NODE_DIR/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$1"
  # Lowering a process's OOM score is refused here, even to root.
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  enable_selinux = false
  # Pod network namespaces under the state directory, not /run/netns: teardown finds them there.
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$NODE_DIR/cni"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$NODE_DIR/certs.d"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
      SystemdCgroup = false
EOF
  cat >"$NODE_DIR/cni/10-tasknote.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "tasknote", "plugins": [
  {"type": "bridge", "bridge": "$NODE_BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
   "ipam": {"type": "host-local", "dataDir": "$NODE_DIR/cni-ipam",
            "ranges": [[{"subnet": "$POD_CIDR", "gateway": "$NODE_IP"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
  {"type": "portmap", "capabilities": {"portMappings": true}}]}
EOF
}

_node_kubelet_config() {
  mkdir -p "$NODE_DIR"/{kubelet,pod-logs}
  # ClusterFirst pods get the cluster's resolver and search list; no pod is given the host's.
  printf 'nameserver %s\n' "$DNS_SERVICE_IP" >"$NODE_DIR/resolv.conf"
  cat >"$NODE_DIR/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
containerRuntimeEndpoint: unix://$NODE_DIR/containerd.sock
cgroupDriver: cgroupfs
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $KWOK_WORKDIR/clusters/$CLUSTER_NAME/pki/ca.crt}
authorization: {mode: Webhook}
clusterDNS: [$DNS_SERVICE_IP]
clusterDomain: cluster.local
resolvConf: $NODE_DIR/resolv.conf
podLogsDir: $NODE_DIR/pod-logs
failSwapOn: true
rotateCertificates: false
serverTLSBootstrap: false
serializeImagePulls: false
# The default thresholds are percentages that these large, well-filled disks are always below:
# every pod would be evicted for DiskPressure.
evictionHard: {memory.available: 200Mi, nodefs.available: 2Gi, imagefs.available: 2Gi, nodefs.inodesFree: 5%, imagefs.inodesFree: 5%}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
maxPods: 60
EOF
}

_node_kube_proxy_config() {
  cat >"$NODE_DIR/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clusterCIDR: $POD_CIDR
hostnameOverride: $NODE_NAME
bindAddress: $NODE_IP
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: ["$NODE_IP/32"]
clientConnection: {kubeconfig: $NODE_DIR/kube-proxy.kubeconfig}
conntrack: {maxPerCore: 0}
EOF
}

# containerd, kubelet, kube-proxy and the API relay, on a control plane that is up.
real_node_start() { # sandbox image
  _node_containerd_config "$1"
  containerd --config "$NODE_DIR/containerd.toml" >"$NODE_DIR/logs/containerd.log" 2>&1 &
  _node_started $! containerd
  _node_wait 30 "containerd answering on $NODE_DIR/containerd.sock" ctr --address "$NODE_DIR/containerd.sock" version

  # Pods dial the `kubernetes` Service, which the API server advertises at the bridge address.
  socat "TCP-LISTEN:$CLUSTER_PORT,bind=$NODE_IP,reuseaddr,fork" "TCP:127.0.0.1:$CLUSTER_PORT" >"$NODE_DIR/logs/relay.log" 2>&1 &
  _node_started $! api-relay

  _node_kubeconfig kubelet "system:node:$NODE_NAME" system:nodes
  _node_kubeconfig kube-proxy system:kube-proxy system:node-proxier
  _node_kubelet_config
  _node_kube_proxy_config
  "$TOOLCHAIN_KUBELET" \
    --config "$NODE_DIR/kubelet.yaml" \
    --kubeconfig "$NODE_DIR/kubelet.kubeconfig" \
    --root-dir "$NODE_DIR/kubelet" \
    --cert-dir "$NODE_DIR/kubelet/pki" \
    --hostname-override "$NODE_NAME" \
    --node-ip "$NODE_IP" \
    --node-labels "topology.kubernetes.io/region=local,topology.kubernetes.io/zone=local-0,tasknote.dev/node=real" \
    >"$NODE_DIR/logs/kubelet.log" 2>&1 &
  _node_started $! kubelet
  "$TOOLCHAIN_KUBE_PROXY" --config "$NODE_DIR/kube-proxy.yaml" >"$NODE_DIR/logs/kube-proxy.log" 2>&1 &
  _node_started $! kube-proxy
  _node_wait 90 "node $NODE_NAME becoming Ready" kubectl_local wait --for=condition=Ready "node/$NODE_NAME" --timeout=5s
}

# CoreDNS as the cluster's DNS pod: the cluster's names only, nothing forwarded anywhere.
real_node_dns() { # image
  kubectl_local apply -f - >/dev/null <<YAML
apiVersion: v1
kind: ServiceAccount
metadata: {name: coredns, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: 'system:coredns'}
rules:
  - {apiGroups: [''], resources: [endpoints, services, pods, namespaces], verbs: [list, watch]}
  - {apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [list, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: 'system:coredns'}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: 'system:coredns'}
subjects: [{kind: ServiceAccount, name: coredns, namespace: kube-system}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: coredns, namespace: kube-system}
data:
  Corefile: |
    .:1053 {
        errors
        health 127.0.0.1:8080
        ready :8181
        kubernetes cluster.local in-addr.arpa ip6.arpa {
            pods insecure
            fallthrough in-addr.arpa ip6.arpa
        }
        cache 30
        loop
        loadbalance
    }
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: coredns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  replicas: 1
  selector: {matchLabels: {k8s-app: kube-dns}}
  template:
    metadata: {labels: {k8s-app: kube-dns}}
    spec:
      serviceAccountName: coredns
      dnsPolicy: Default
      securityContext: {runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: {type: RuntimeDefault}}
      containers:
        - name: coredns
          image: $1
          args: [-conf, /etc/coredns/Corefile]
          ports:
            - {name: dns, containerPort: 1053, protocol: UDP}
            - {name: dns-tcp, containerPort: 1053, protocol: TCP}
          readinessProbe: {httpGet: {path: /ready, port: 8181}, periodSeconds: 2}
          resources: {requests: {cpu: 50m, memory: 32Mi}, limits: {memory: 128Mi}}
          securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
          volumeMounts: [{name: config, mountPath: /etc/coredns, readOnly: true}]
      volumes: [{name: config, configMap: {name: coredns}}]
---
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  clusterIP: $DNS_SERVICE_IP
  selector: {k8s-app: kube-dns}
  ports:
    - {name: dns, port: 53, targetPort: 1053, protocol: UDP}
    - {name: dns-tcp, port: 53, targetPort: 1053, protocol: TCP}
YAML
  _node_wait 120 'the CoreDNS pod becoming Ready' kubectl_local -n kube-system rollout status deployment/coredns --timeout=5s
}

# --- teardown ----------------------------------------------------------------------------------

_node_pid_of() { awk -v n="$1" '$2 == n { print $1 }' "$NODE_DIR/pids" 2>/dev/null | tail -n1; }

_node_stop_pid() { # pid
  local pid=$1 i
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

# Every chain and jump a component of the node made, in every table.
_node_iptables_cleanup() {
  local table chain rule
  for table in filter nat mangle; do
    # Jumps into the chains below, from any chain: delete the rule as iptables -S printed it.
    while IFS= read -r rule; do
      eval "iptables -t $table ${rule/-A /-D }" 2>/dev/null || true
    done < <(iptables -t "$table" -S 2>/dev/null | grep -E '^-A .* -j (TASKNOTE-GUARD|KUBE-)' || true)
    while IFS= read -r chain; do
      iptables -t "$table" -F "$chain" 2>/dev/null || true
    done < <(iptables -t "$table" -S 2>/dev/null | sed -n -E 's/^-N ((TASKNOTE-GUARD|KUBE-)[A-Z0-9-]*)$/\1/p')
    while IFS= read -r chain; do
      iptables -t "$table" -X "$chain" 2>/dev/null || true
    done < <(iptables -t "$table" -S 2>/dev/null | sed -n -E 's/^-N ((TASKNOTE-GUARD|KUBE-)[A-Z0-9-]*)$/\1/p')
  done
}

# Stops the node's pods and processes and removes everything it made on the host.
real_node_down() {
  [[ -d $NODE_DIR ]] || return 0
  local sock=$NODE_DIR/containerd.sock pid id
  # Pod sandboxes first, through containerd, while kubelet can no longer restart them.
  _node_stop_pid "$(_node_pid_of kubelet)"
  if [[ -S $sock ]] && ctr --address "$sock" version >/dev/null 2>&1; then
    for id in $(ctr --address "$sock" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr --address "$sock" -n k8s.io tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
    done
    sleep 0.5
    for id in $(ctr --address "$sock" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr --address "$sock" -n k8s.io tasks delete -f "$id" >/dev/null 2>&1 || true
    done
  fi
  for pid in $(awk '{print $1}' "$NODE_DIR/pids" 2>/dev/null); do _node_stop_pid "$pid"; done
  # A shim outlives containerd; its arguments name our socket somewhere.
  for pid in $(pgrep -f "containerd-shim.*$sock" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
  # What is left in the pods' cgroups (a pause process reparented to PID 1) is killed too.
  local cg
  for cg in /sys/fs/cgroup/*/kubepods; do
    [[ -d $cg ]] || continue
    find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
  done
  sleep 0.3
  # A start that stopped before making the bridge (another real-node cluster owns it) made no
  # chain, namespace or cgroup either: leave the host's alone.
  [[ -f $NODE_DIR/bridge ]] || return 0
  if [[ -x ${TOOLCHAIN_KUBE_PROXY:-} && -f $NODE_DIR/kube-proxy.yaml ]]; then
    "$TOOLCHAIN_KUBE_PROXY" --cleanup --config "$NODE_DIR/kube-proxy.yaml" >"$NODE_DIR/logs/kube-proxy-cleanup.log" 2>&1 || true
  fi
  _node_iptables_cleanup
  # Network namespaces containerd made for the pods (under /run/netns, outside the state).
  local ns
  while IFS= read -r ns; do
    [[ $ns == cni-* ]] || continue
    umount "/run/netns/$ns" 2>/dev/null || true
    rm -f "/run/netns/$ns"
  done < <(comm -13 "$NODE_DIR/netns.before" <(ls /run/netns 2>/dev/null | sort) 2>/dev/null)
  local mnt
  while read -r mnt; do
    umount -l "$mnt" 2>/dev/null || true
  done < <(awk -v p="$NODE_DIR/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r)
  # The veths went with their namespaces; the bridge and any dummy a test added go here.
  ip link del "$NODE_BRIDGE" 2>/dev/null || true
  for cg in /sys/fs/cgroup/*/kubepods; do
    [[ -d $cg ]] && find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  local line
  while IFS= read -r line; do sysctl -q -w "$line" >/dev/null 2>&1 || true; done <"$NODE_DIR/sysctl.saved" 2>/dev/null || true
}
