package transform

import (
	"reflect"
	"strings"

	"github.com/chartsec/chartsec-harden/manifest"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// apiTypes are the Go types of the kinds the filters read, by apiVersion
// and kind.
var apiTypes = map[string]reflect.Type{
	"v1/Pod":                                          reflect.TypeFor[corev1.Pod](),
	"v1/PodTemplate":                                  reflect.TypeFor[corev1.PodTemplate](),
	"v1/ReplicationController":                        reflect.TypeFor[corev1.ReplicationController](),
	"v1/Service":                                      reflect.TypeFor[corev1.Service](),
	"v1/ServiceAccount":                               reflect.TypeFor[corev1.ServiceAccount](),
	"v1/LimitRange":                                   reflect.TypeFor[corev1.LimitRange](),
	"apps/v1/Deployment":                              reflect.TypeFor[appsv1.Deployment](),
	"apps/v1/StatefulSet":                             reflect.TypeFor[appsv1.StatefulSet](),
	"apps/v1/DaemonSet":                               reflect.TypeFor[appsv1.DaemonSet](),
	"apps/v1/ReplicaSet":                              reflect.TypeFor[appsv1.ReplicaSet](),
	"batch/v1/Job":                                    reflect.TypeFor[batchv1.Job](),
	"batch/v1/CronJob":                                reflect.TypeFor[batchv1.CronJob](),
	"networking.k8s.io/v1/NetworkPolicy":              reflect.TypeFor[networkingv1.NetworkPolicy](),
	"policy/v1/PodDisruptionBudget":                   reflect.TypeFor[policyv1.PodDisruptionBudget](),
	"autoscaling/v1/HorizontalPodAutoscaler":          reflect.TypeFor[autoscalingv1.HorizontalPodAutoscaler](),
	"autoscaling/v2/HorizontalPodAutoscaler":          reflect.TypeFor[autoscalingv2.HorizontalPodAutoscaler](),
	"rbac.authorization.k8s.io/v1/Role":               reflect.TypeFor[rbacv1.Role](),
	"rbac.authorization.k8s.io/v1/ClusterRole":        reflect.TypeFor[rbacv1.ClusterRole](),
	"rbac.authorization.k8s.io/v1/RoleBinding":        reflect.TypeFor[rbacv1.RoleBinding](),
	"rbac.authorization.k8s.io/v1/ClusterRoleBinding": reflect.TypeFor[rbacv1.ClusterRoleBinding](),
}

// CheckTypes finds a field of a document the filters read whose YAML
// does not fit the Kubernetes API: volumes written as a mapping, a
// securityContext as a string, privileged: "true" (a string). The API
// server would refuse the document; hardening it would silently replace
// the field, so it is refused here too. Kinds of another version, and
// custom resources, have their pod template checked.
func (s *Scope) CheckTypes(doc *yaml.RNode) *manifest.TypeError {
	if doc.YNode().Kind != yaml.MappingNode {
		return nil
	}
	apiVersion, kind := apiVersionOf(doc), kindOf(doc)
	if t, ok := apiTypes[apiVersion+"/"+kind]; ok {
		return manifest.CheckTypes(doc.YNode(), t, "")
	}
	p, ok := s.TemplatePath(apiVersion, kind)
	if !ok {
		return nil
	}
	if len(p) == 0 {
		return manifest.CheckTypes(doc.YNode(), reflect.TypeFor[corev1.Pod](), "")
	}
	tmpl := manifest.Lookup(doc, p...)
	if tmpl == nil {
		return nil
	}
	return manifest.CheckTypes(tmpl, reflect.TypeFor[corev1.PodTemplateSpec](), strings.Join(p, "."))
}
