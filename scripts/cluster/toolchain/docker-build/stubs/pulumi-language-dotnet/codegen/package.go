// Package codegen is a stand-in: only the schema language-map type the docker-build provider uses.
package codegen

// CSharpPackageInfo is the `csharp` entry of a Pulumi schema's language map.
type CSharpPackageInfo struct {
	RespectSchemaVersion bool              `json:"respectSchemaVersion,omitempty"`
	PackageReferences    map[string]string `json:"packageReferences,omitempty"`
}
