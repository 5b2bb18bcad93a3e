package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	cardsprovider "github.com/arthawork/terraform-provider-cards/internal/provider"
	"github.com/arthawork/terraform-provider-cards/internal/sandbox"
)

// The examples are documentation (tfplugindocs renders them into docs/) and the demo: this test
// keeps them formatted and valid against the provider built from this checkout.
//
// TestExamples needs a Terraform (or OpenTofu) CLI and builds the provider, so it runs only with
// TF_ACC=1, like the acceptance tests: `make testexamples` (part of `make test`).

const examplesDir = "examples"

// Features that need a newer CLI than the oldest one we support, and how to spot them in an
// example. Examples using them are skipped, with the reason, on older CLIs.
var exampleFeatures = []struct {
	pattern *regexp.Regexp
	min     [2]int
	what    string
}{
	{regexp.MustCompile(`(?m)^\s*(kyc|binding|sign_image)\s*=`), [2]int{1, 11}, "write-only arguments (kyc, binding, sign_image)"},
	{regexp.MustCompile(`(?m)^\s*ephemeral\s+"`), [2]int{1, 10}, "ephemeral resources"},
}

func TestExamples(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("set TF_ACC=1 to validate the examples with the Terraform CLI against the built provider (make testexamples)")
	}
	cli := terraformCLI(t)
	version := cliVersion(t, cli)
	t.Logf("CLI %s, version %d.%d.%d", cli, version[0], version[1], version[2])

	t.Run("fmt", func(t *testing.T) {
		out, err := runCLI(t.Context(), cli, ".", nil, "fmt", "-check", "-recursive", "-diff", "-no-color", examplesDir)
		if err != nil {
			t.Fatalf("terraform fmt -check -recursive %s: %v\n%s\nRun `terraform fmt -recursive %s` (make fmt).", examplesDir, err, out, examplesDir)
		}
	})

	cliConfig := providerCLIConfig(t)
	env := []string{"TF_CLI_CONFIG_FILE=" + cliConfig}

	dirs := exampleDirs(t)
	if len(dirs) == 0 {
		t.Fatalf("no example directories under %s", examplesDir)
	}
	for _, dir := range dirs {
		t.Run(filepath.ToSlash(dir), func(t *testing.T) {
			work := copyExample(t, dir)
			if reason := unsupportedFeature(t, work, version); reason != "" {
				t.Skip(reason)
			}
			out, err := runCLI(t.Context(), cli, work, env, "validate", "-no-color")
			if err != nil {
				t.Fatalf("terraform validate in %s: %v\n%s", dir, err, out)
			}
		})
	}
}

// TestExamplesCoverEverything fails when a resource, data source or ephemeral resource has no
// example in the directory tfplugindocs reads, or an example directory names a type the provider
// does not have. It needs no CLI.
func TestExamplesCoverEverything(t *testing.T) {
	want := providerTypeNames(t)
	for kind, names := range want {
		for _, name := range names {
			file := filepath.Join(examplesDir, kind, name, exampleFileName[kind])
			if _, err := os.Stat(file); err != nil {
				t.Errorf("%s %s has no example: create %s", kind, name, file)
			}
			if kind == "resources" {
				for _, extra := range []string{"import.sh", "import-by-string-id.tf"} {
					if _, err := os.Stat(filepath.Join(examplesDir, kind, name, extra)); err != nil {
						t.Errorf("resource %s has no %s", name, extra)
					}
				}
			}
		}
		entries, err := os.ReadDir(filepath.Join(examplesDir, kind))
		if err != nil {
			t.Errorf("reading %s: %v", filepath.Join(examplesDir, kind), err)
			continue
		}
		for _, e := range entries {
			if e.IsDir() && !contains(names, e.Name()) {
				t.Errorf("%s has an example for %s, which the provider does not have", kind, e.Name())
			}
		}
	}
	if _, err := os.Stat(filepath.Join(examplesDir, "provider", "provider.tf")); err != nil {
		t.Errorf("missing the provider example: %v", err)
	}
}

var exampleFileName = map[string]string{
	"resources":           "resource.tf",
	"data-sources":        "data-source.tf",
	"ephemeral-resources": "ephemeral-resource.tf",
}

// providerTypeNames lists the provider's type names by examples/ directory kind.
func providerTypeNames(t *testing.T) map[string][]string {
	t.Helper()
	ctx := t.Context()
	p := cardsprovider.New("test")()
	var meta provider.MetadataResponse
	p.Metadata(ctx, provider.MetadataRequest{}, &meta)
	out := map[string][]string{"resources": nil, "data-sources": nil, "ephemeral-resources": nil}
	for _, f := range p.Resources(ctx) {
		var r resource.MetadataResponse
		f().Metadata(ctx, resource.MetadataRequest{ProviderTypeName: meta.TypeName}, &r)
		out["resources"] = append(out["resources"], r.TypeName)
	}
	for _, f := range p.DataSources(ctx) {
		var r datasource.MetadataResponse
		f().Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: meta.TypeName}, &r)
		out["data-sources"] = append(out["data-sources"], r.TypeName)
	}
	if pe, ok := p.(provider.ProviderWithEphemeralResources); ok {
		for _, f := range pe.EphemeralResources(ctx) {
			var r ephemeral.MetadataResponse
			f().Metadata(ctx, ephemeral.MetadataRequest{ProviderTypeName: meta.TypeName}, &r)
			out["ephemeral-resources"] = append(out["ephemeral-resources"], r.TypeName)
		}
	}
	for _, names := range out {
		sort.Strings(names)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// terraformCLI is the CLI under test: TF_ACC_TERRAFORM_PATH as for the acceptance tests, else
// terraform on the PATH.
func terraformCLI(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		return p
	}
	p, err := exec.LookPath("terraform")
	if err != nil {
		t.Fatal("no Terraform CLI: set TF_ACC_TERRAFORM_PATH or put terraform on the PATH")
	}
	return p
}

// cliVersion reads the version of Terraform or OpenTofu (both answer `version -json` with
// terraform_version).
func cliVersion(t *testing.T, cli string) [3]int {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), cli, "version", "-json")
	cmd.Env = cliEnv()
	out, err := cmd.Output() // stdout only: warnings on stderr would break the JSON
	if err != nil {
		t.Fatalf("%s version -json: %v", cli, err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("%s version -json: %v\n%s", cli, err, out)
	}
	var parts [3]int
	for i, s := range strings.SplitN(strings.SplitN(v.Version, "-", 2)[0], ".", 3) {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("cannot parse CLI version %q", v.Version)
		}
		parts[i] = n
	}
	return parts
}

// TestMain removes the provider binary the CLI tests share.
func TestMain(m *testing.M) {
	code := m.Run()
	if builtProvider.dir != "" {
		_ = os.RemoveAll(builtProvider.dir)
	}
	os.Exit(code)
}

// builtProvider is this checkout's provider, built once for every test of the package that
// runs the CLI against it.
var builtProvider struct {
	once     sync.Once
	dir, err string
}

// providerCLIConfig builds the provider (once per test process) and returns a CLI
// configuration that points Terraform at it through dev_overrides.
func providerCLIConfig(t *testing.T) string {
	t.Helper()
	builtProvider.once.Do(func() {
		dir, err := os.MkdirTemp("", "cards-provider-") //nolint:usetesting // shared by every test of the process, removed by TestMain
		if err != nil {
			builtProvider.err = err.Error()
			return
		}
		builtProvider.dir = dir
		build := exec.CommandContext(t.Context(), "go", "build", "-o", filepath.Join(dir, "terraform-provider-cards"), ".")
		if out, err := build.CombinedOutput(); err != nil {
			builtProvider.err = fmt.Sprintf("building the provider: %v\n%s", err, out)
		}
	})
	if builtProvider.err != "" {
		t.Fatal(builtProvider.err)
	}
	cliConfig := filepath.Join(t.TempDir(), "terraformrc")
	if err := os.WriteFile(cliConfig, []byte(devOverridesConfig(builtProvider.dir)), 0o600); err != nil {
		t.Fatal(err)
	}
	return cliConfig
}

// devOverridesConfig points both registries' address of this provider at the built binary, so
// neither Terraform nor OpenTofu needs `init` or network access.
func devOverridesConfig(binDir string) string {
	return fmt.Sprintf(`provider_installation {
  dev_overrides {
    "registry.terraform.io/arthawork/cards" = %q
    "registry.opentofu.org/arthawork/cards" = %q
  }
  direct {}
}
`, binDir, binDir)
}

// exampleDirs lists every directory under examples/ that holds .tf files.
func exampleDirs(t *testing.T) []string {
	t.Helper()
	seen := map[string]bool{}
	err := filepath.WalkDir(examplesDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".terraform" || strings.HasPrefix(d.Name(), ".") && path != examplesDir) {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".tf") {
			seen[filepath.Dir(path)] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	dirs := make([]string, 0, len(seen))
	for d := range seen {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	return dirs
}

// copyExample copies the .tf files of one example into a fresh directory and, unless the
// example declares its own, adds the required_providers block that maps "cards" to this
// provider (registry examples leave it out for brevity).
func copyExample(t *testing.T, dir string) string {
	t.Helper()
	work := t.TempDir()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	declares := false
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".tf") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte("required_providers")) {
			declares = true
		}
		if err := os.WriteFile(filepath.Join(work, e.Name()), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if !declares {
		const rp = "terraform {\n  required_providers {\n    cards = {\n      source = \"arthawork/cards\"\n    }\n  }\n}\n"
		if err := os.WriteFile(filepath.Join(work, "zz_required_providers_test.tf"), []byte(rp), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return work
}

// unsupportedFeature names the first feature of the example that the CLI version cannot run.
func unsupportedFeature(t *testing.T, work string, version [3]int) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(work, "*.tf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, feat := range exampleFeatures {
			older := version[0] < feat.min[0] || version[0] == feat.min[0] && version[1] < feat.min[1]
			if older && feat.pattern.Match(data) {
				return fmt.Sprintf("uses %s, which need CLI version %d.%d or later; this CLI is %d.%d.%d",
					feat.what, feat.min[0], feat.min[1], version[0], version[1], version[2])
			}
		}
	}
	return ""
}

// startSandbox starts an in-process sandbox for a CLI test; it stops when the test ends.
func startSandbox(t *testing.T, opts sandbox.Options) *sandbox.Running {
	t.Helper()
	sb, err := sandbox.Start(opts)
	if err != nil {
		t.Fatalf("starting the sandbox: %v", err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	return sb
}

// writeMerchantKey writes the sandbox's merchant key to dir/merchant-key.pem and returns its path.
func writeMerchantKey(t *testing.T, sb *sandbox.Running, dir string) string {
	t.Helper()
	keyFile := filepath.Join(dir, "merchant-key.pem")
	if err := os.WriteFile(keyFile, sb.PrivateKeyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return keyFile
}

// runCLI runs the CLI in dir with a clean, offline environment plus env.
func runCLI(ctx context.Context, cli, dir string, env []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, cli, args...)
	cmd.Dir = dir
	cmd.Env = append(cliEnv(), env...)
	return cmd.CombinedOutput()
}

func cliEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "TF_LOG") || name == "TF_CLI_CONFIG_FILE" || strings.HasPrefix(name, "CARDS_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
}
