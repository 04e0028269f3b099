// Package java is a stand-in: only the schema language-map type the docker-build provider uses.
package java

// PackageInfo is the `java` entry of a Pulumi schema's language map.
type PackageInfo struct {
	BuildFiles                      string            `json:"buildFiles,omitempty"`
	GradleNexusPublishPluginVersion string            `json:"gradleNexusPublishPluginVersion,omitempty"`
	Dependencies                    map[string]string `json:"dependencies,omitempty"`
}
