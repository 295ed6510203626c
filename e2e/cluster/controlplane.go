// Package cluster starts a real Kubernetes control plane for the end-to-end
// tests (etcd, kube-apiserver, kube-controller-manager, kube-scheduler and
// kwok, the Kubernetes project's kubelet simulator), on 127.0.0.1 with free
// ports and its own data folder. The binaries come from
// scripts/install-controlplane.sh.
package cluster

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// NodeName is the one node kwok keeps Ready and runs pods on.
const NodeName = "kwok-node-0"

// ControlPlane is a running control plane.
type ControlPlane struct {
	Dir        string // data folder: logs, certificates, etcd data
	Kubeconfig string // admin kubeconfig (token auth)
	Config     *rest.Config
	Client     kubernetes.Interface
	procs      []*process
}

type process struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// Start starts the control plane from the binaries in binDir with the given
// kwok stage files, and returns once a Ready node is registered.
func Start(ctx context.Context, binDir string, stages []string, dir string) (cp *ControlPlane, err error) {
	cp = &ControlPlane{Dir: dir}
	defer func() {
		if err != nil {
			cp.Stop()
			err = fmt.Errorf("%w (logs in %s)", err, dir)
		}
	}()
	ports, err := freePorts(6)
	if err != nil {
		return cp, err
	}
	etcdClient, etcdPeer, apiPort, kcmPort, schedPort, kwokPort := ports[0], ports[1], ports[2], ports[3], ports[4], ports[5]

	if err := os.MkdirAll(filepath.Join(dir, "certs"), 0o755); err != nil {
		return cp, err
	}
	saKey, saPub, err := writeServiceAccountKey(dir)
	if err != nil {
		return cp, err
	}
	const token = "chartsec-e2e-admin-token"
	tokens := filepath.Join(dir, "tokens.csv")
	if err := os.WriteFile(tokens, []byte(token+",admin,admin,system:masters\n"), 0o600); err != nil {
		return cp, err
	}
	server := fmt.Sprintf("https://127.0.0.1:%d", apiPort)
	cp.Kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(cp.Kubeconfig, []byte(kubeconfig(server, token)), 0o600); err != nil {
		return cp, err
	}

	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", etcdClient)
	if err := cp.run(binDir, "etcd",
		"--name=e2e", "--data-dir="+filepath.Join(dir, "etcd"),
		"--listen-client-urls="+etcdURL, "--advertise-client-urls="+etcdURL,
		fmt.Sprintf("--listen-peer-urls=http://127.0.0.1:%d", etcdPeer),
		fmt.Sprintf("--initial-advertise-peer-urls=http://127.0.0.1:%d", etcdPeer),
		fmt.Sprintf("--initial-cluster=e2e=http://127.0.0.1:%d", etcdPeer),
		"--unsafe-no-fsync", "--quota-backend-bytes=4294967296", "--log-level=warn",
	); err != nil {
		return cp, err
	}
	if err := cp.run(binDir, "kube-apiserver",
		"--etcd-servers="+etcdURL,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", fmt.Sprintf("--secure-port=%d", apiPort),
		"--cert-dir="+filepath.Join(dir, "certs"),
		"--service-cluster-ip-range=10.96.0.0/16",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file="+saPub, "--service-account-signing-key-file="+saKey,
		"--token-auth-file="+tokens,
		"--authorization-mode=RBAC",
		"--allow-privileged=true",
		"--endpoint-reconciler-type=none",
		"--v=1",
	); err != nil {
		return cp, err
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", cp.Kubeconfig)
	if err != nil {
		return cp, err
	}
	cfg.QPS, cfg.Burst = 200, 400
	cfg.WarningHandler = rest.NoWarnings{}
	cp.Config = cfg
	cp.Client, err = kubernetes.NewForConfig(cfg)
	if err != nil {
		return cp, err
	}
	if err := cp.waitHealthy(ctx, 90*time.Second); err != nil {
		return cp, err
	}
	if err := cp.run(binDir, "kube-controller-manager",
		"--kubeconfig="+cp.Kubeconfig,
		"--leader-elect=false",
		"--controllers=*,-nodeipam,-nodelifecycle",
		"--service-account-private-key-file="+saKey,
		"--root-ca-file="+filepath.Join(dir, "certs", "apiserver.crt"),
		"--use-service-account-credentials=false",
		"--bind-address=127.0.0.1", fmt.Sprintf("--secure-port=%d", kcmPort),
		"--concurrent-deployment-syncs=10", "--concurrent-replicaset-syncs=10",
		"--v=1",
	); err != nil {
		return cp, err
	}
	if err := cp.run(binDir, "kube-scheduler",
		"--kubeconfig="+cp.Kubeconfig,
		"--leader-elect=false",
		"--bind-address=127.0.0.1", fmt.Sprintf("--secure-port=%d", schedPort),
		"--v=1",
	); err != nil {
		return cp, err
	}
	if len(stages) == 0 {
		return cp, errors.New("no kwok stage files")
	}
	kwokArgs := []string{
		"--kubeconfig=" + cp.Kubeconfig,
		"--manage-all-nodes=false",
		"--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
		fmt.Sprintf("--server-address=127.0.0.1:%d", kwokPort),
		"--node-ip=127.0.0.1",
	}
	for _, s := range stages {
		kwokArgs = append(kwokArgs, "--config="+s)
	}
	if err := cp.run(binDir, "kwok", kwokArgs...); err != nil {
		return cp, err
	}
	if err := cp.registerNode(ctx); err != nil {
		return cp, err
	}
	return cp, cp.Exited()
}

// run starts one component, its output in DIR/NAME.log.
func (cp *ControlPlane) run(binDir, name string, args ...string) error {
	logf, err := os.Create(filepath.Join(cp.Dir, name+".log"))
	if err != nil {
		return err
	}
	cmd := exec.Command(filepath.Join(binDir, name), args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = cp.Dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	cp.procs = append(cp.procs, p)
	return nil
}

// Stop stops every component, the last started first (kube-apiserver before
// etcd): TERM, then KILL after a few seconds.
func (cp *ControlPlane) Stop() {
	for i := len(cp.procs) - 1; i >= 0; i-- {
		p := cp.procs[i]
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
		}
	}
	cp.procs = nil
}

// Exited names a component that has stopped running, if any.
func (cp *ControlPlane) Exited() error {
	for _, p := range cp.procs {
		select {
		case <-p.done:
			return fmt.Errorf("%s exited: %v (see %s)", p.name, p.err, filepath.Join(cp.Dir, p.name+".log"))
		default:
		}
	}
	return nil
}

func (cp *ControlPlane) waitHealthy(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	var last error
	for time.Now().Before(deadline) {
		if err := cp.Exited(); err != nil {
			return err
		}
		body, err := cp.Client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		if err == nil && strings.TrimSpace(string(body)) == "ok" {
			return nil
		}
		last = err
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("kube-apiserver not ready after %s: %v", limit, last)
}

// Namespace creates a namespace that enforces and warns at a Pod Security
// level, and waits for its default ServiceAccount (pods that name no other
// are refused until the controller manager has made it).
func (cp *ControlPlane) Namespace(ctx context.Context, name, level string) error {
	_, err := cp.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name: name, Labels: map[string]string{
			"pod-security.kubernetes.io/enforce": level,
			"pod-security.kubernetes.io/warn":    level,
		}}}, metav1.CreateOptions{})
	if err != nil {
		return err
	}
	deadline := time.Now().Add(time.Minute)
	for {
		_, err := cp.Client.CoreV1().ServiceAccounts(name).Get(ctx, "default", metav1.GetOptions{})
		if err == nil {
			return nil
		}
		if err := cp.Exited(); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("namespace %s: no default ServiceAccount after a minute: %v", name, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// registerNode creates the node kwok manages, with capacity and a Ready
// condition, and removes the not-ready taint that admission puts on every
// new node (the node lifecycle controller that would lift it is off).
func (cp *ControlPlane) registerNode(ctx context.Context) error {
	res := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("256"),
		corev1.ResourceMemory: resource.MustParse("1Ti"),
		corev1.ResourcePods:   resource.MustParse("2000"),
	}
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        NodeName,
			Annotations: map[string]string{"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
			Labels: map[string]string{"kubernetes.io/hostname": NodeName, "kubernetes.io/os": "linux",
				"kubernetes.io/arch": "amd64", "type": "kwok"},
		},
		Status: corev1.NodeStatus{
			Capacity: res, Allocatable: res,
			Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue,
				Reason: "KubeletReady", LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now()}},
			NodeInfo: corev1.NodeSystemInfo{OperatingSystem: "linux", Architecture: "amd64", KubeletVersion: "fake"},
		},
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, err := cp.Client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("register node: %w", err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	for {
		n, err := cp.Client.CoreV1().Nodes().Get(ctx, NodeName, metav1.GetOptions{})
		if err == nil {
			ready := false
			for _, c := range n.Status.Conditions {
				ready = ready || (c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue)
			}
			if len(n.Spec.Taints) == 0 && ready && n.Status.Allocatable.Pods().Value() > 0 {
				return nil
			}
			if len(n.Spec.Taints) > 0 {
				n.Spec.Taints = nil
				_, err = cp.Client.CoreV1().Nodes().Update(ctx, n, metav1.UpdateOptions{})
			}
		}
		if err := cp.Exited(); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("node %s not Ready and untainted after 60s: %v", NodeName, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func kubeconfig(server, token string) string {
	return `apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: ` + server + `
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: ` + token + `
contexts:
- name: e2e
  context:
    cluster: e2e
    user: admin
current-context: e2e
`
}

func writeServiceAccountKey(dir string) (keyFile, pubFile string, err error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", "", err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return "", "", err
	}
	keyFile, pubFile = filepath.Join(dir, "sa.key"), filepath.Join(dir, "sa.pub")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600); err != nil {
		return "", "", err
	}
	return keyFile, pubFile, os.WriteFile(pubFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o644)
}

// freePorts returns n distinct ports free on 127.0.0.1 at the time of asking.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	if len(ports) != n {
		return nil, errors.New("not enough free ports")
	}
	return ports, nil
}
