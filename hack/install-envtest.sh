#!/usr/bin/env bash
# Builds kube-apiserver, etcd and kubectl for envtest from the Go module proxy and prints the directory
# that holds them (use it as KUBEBUILDER_ASSETS).
#
# Why build: the usual envtest download site is not reachable from our build machines, and
# `go install k8s.io/kubernetes/cmd/kube-apiserver@vX` fails because k8s.io/kubernetes' go.mod replaces every
# staging module with a local path. A throw-away wrapper module that requires k8s.io/kubernetes and replaces
# each staging module with its published v0.X.Y builds all three binaries.
#
# Version: first argument, else $K8S_VERSION, else derived from the k8s.io/api version in this repo's go.mod
# (v0.X.Y -> 1.X.Y), so the control plane always matches the client libraries.
# Cache: ${ENVTEST_CACHE_DIR:-$HOME/.cache/cache-remediator/envtest}/<version>; a no-op when the binaries are there.
# All progress goes to stderr; stdout is only the assets directory.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

version="${1:-${K8S_VERSION:-}}"
if [[ -z "$version" ]]; then
  api_version="$(cd "$repo_root" && GOFLAGS=-mod=mod go list -m -f '{{.Version}}' k8s.io/api)"
  version="1.${api_version#v0.}"
fi
version="${version#v}"
minor="$(echo "$version" | cut -d. -f2)"

cache_root="${ENVTEST_CACHE_DIR:-$HOME/.cache/cache-remediator/envtest}"
out="$cache_root/$version"

cached() {
  [[ -x "$out/kube-apiserver" && -x "$out/etcd" && -x "$out/kubectl" ]] &&
    "$out/kube-apiserver" --version 2>/dev/null | grep -q "Kubernetes v$version\$"
}

if cached; then
  echo "$out"
  exit 0
fi

echo "building envtest binaries for Kubernetes v$version into $out (first build takes ~10 minutes)" >&2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0

k8s_gomod="$(go mod download -json "k8s.io/kubernetes@v$version" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
if [[ ! -f "$k8s_gomod" ]]; then
  echo "could not download k8s.io/kubernetes@v$version from the module proxy" >&2
  exit 1
fi
etcd_version="$(awk '$1 == "go.etcd.io/etcd/server/v3" { print $2; exit }' "$k8s_gomod")"
staging="$(awk '$2 == "=>" && $3 ~ /^\.\/staging\// { print $1 }' "$k8s_gomod")"

{
  echo "module envtestbins"
  echo "go 1.26"
  echo "require ("
  echo "  k8s.io/kubernetes v$version"
  echo "  go.etcd.io/etcd/server/v3 $etcd_version"
  echo ")"
  echo "replace ("
  for m in $staging; do echo "  $m => $m v0.${version#1.}"; done
  echo ")"
} >"$work/go.mod"

mkdir -p "$work/kube-apiserver" "$work/etcd" "$work/kubectl"
cat >"$work/kube-apiserver/main.go" <<'EOF'
package main

import (
	"os"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() { os.Exit(cli.Run(app.NewAPIServerCommand())) }
EOF
cat >"$work/etcd/main.go" <<'EOF'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
EOF
cat >"$work/kubectl/main.go" <<'EOF'
package main

import (
	"k8s.io/component-base/cli"
	"k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/util"
)

func main() {
	command := cmd.NewDefaultKubectlCommand()
	if err := cli.RunNoErrOutput(command); err != nil {
		util.CheckErr(err)
	}
}
EOF

cd "$work"
go mod tidy >&2
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=v$version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/client-go/pkg/version.gitVersion=v$version"
mkdir -p "$out.tmp"
for bin in kube-apiserver etcd kubectl; do
  echo "building $bin" >&2
  go build -trimpath -ldflags "$ldflags" -o "$out.tmp/$bin" "./$bin" >&2
done
rm -rf "$out"
mv "$out.tmp" "$out"
cached || { echo "built binaries do not report Kubernetes v$version" >&2; exit 1; }
echo "$out"
