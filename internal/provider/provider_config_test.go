package provider

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/arthawork/terraform-provider-cards/internal/cardsapi"
	"github.com/arthawork/terraform-provider-cards/internal/signing"
)

// The secret every base URL of these tests carries somewhere; no diagnostic or log may show it.
const leakMarker = "hunter2Secret"

// base URLs the provider refuses, each carrying leakMarker as a password, a user name, a query
// or inside text that does not even parse as a URL.
var secretBaseURLs = map[string]string{
	"password":                 "https://user:" + leakMarker + "@cards.example.com/api/v1",
	"token as user name":       "https://" + leakMarker + "@cards.example.com/api/v1",
	"query":                    "https://cards.example.com/api/v1?api_key=" + leakMarker,
	"fragment":                 "https://cards.example.com/api/v1#" + leakMarker,
	"plain http and password":  "http://user:" + leakMarker + "@cards.example.com/api/v1",
	"loopback and password":    "http://user:" + leakMarker + "@127.0.0.1:8080/api/v1",
	"password with a % escape": "https://user:" + leakMarker + "%zz@cards.example.com/api/v1",
	"password with a slash":    "https://user:pa/" + leakMarker + "@cards.example.com/api/v1",
	"password with a ?":        "https://user:pa?" + leakMarker + "@cards.example.com/api/v1",
	"password with a #":        "https://user:pa#" + leakMarker + "@cards.example.com/api/v1",
	"no scheme":                "user:" + leakMarker + "@cards.example.com/api/v1",
	"leading space":            " https://user:" + leakMarker + "@cards.example.com/api/v1",
}

// Both validators of the base URL (the provider's plan-time check and the client's) refuse
// every secret-bearing URL, and neither repeats the secret.
func TestBaseURLErrorsHideCredentials(t *testing.T) {
	key, _ := testMerchantKey(t)
	for name, raw := range secretBaseURLs {
		t.Run(name, func(t *testing.T) {
			err := cardsapi.CheckBaseURL(raw)
			if err == nil {
				t.Fatalf("checkBaseURL accepted %s", name)
			}
			if strings.Contains(err.Error(), leakMarker) {
				t.Errorf("checkBaseURL repeats the secret: %v", err)
			}
			if shown := cardsapi.RedactURL(raw); strings.Contains(shown, leakMarker) {
				t.Errorf("redactURL keeps the secret: %s", shown)
			}
			_, err = cardsapi.New(cardsapi.Config{BaseURL: raw, CustomerToken: "token", PrivateKey: key})
			if name == "plain http and password" || name == "loopback and password" || name == "leading space" {
				// The client leaves the https rule to the provider; it must still refuse the
				// credentials without repeating them.
				if err == nil {
					t.Fatalf("cardsapi.New accepted %s", name)
				}
			}
			if err != nil && strings.Contains(err.Error(), leakMarker) {
				t.Errorf("cardsapi.New repeats the secret: %v", err)
			}
		})
	}
}

func TestRedactURL(t *testing.T) {
	for raw, want := range map[string]string{ //nolint:gosec // G101: fake credentials, to redact
		"https://tstapi.artha.work/api/v1":             "https://tstapi.artha.work/api/v1",
		"https://user:pw@host.example/api/v1":          "https://***@host.example/api/v1",
		"https://token@host.example/api/v1":            "https://***@host.example/api/v1",
		"https://host.example/api/v1?key=abc&x=1":      "https://host.example/api/v1?***",
		"https://host.example/api/v1#frag":             "https://host.example/api/v1#***",
		"http://u:p@127.0.0.1:8080/api/v1?a=b#c":       "http://***@127.0.0.1:8080/api/v1?***",
		"https://user:pa/ss@host.example/api/v1":       "https://***@host.example/api/v1",
		"not a url":                                    "not a url",
		"user:pw@host.example":                         "***@host.example",
		"https://host.example/api/v1/extra/some/thing": "https://host.example/api/v1/extra/some/thing",
	} {
		if got := cardsapi.RedactURL(raw); got != want {
			t.Errorf("cardsapi.RedactURL(%q) = %q, want %q", raw, got, want)
		}
	}
}

// The whole configuration path, as Terraform drives it (ValidateProviderConfig, then
// ConfigureProvider), from the attribute and from CARDS_BASE_URL: every diagnostic names
// base_url and none shows the secret.
func TestProviderBaseURLDiagnosticsHideCredentials(t *testing.T) {
	_, keyPEM := testMerchantKey(t)
	t.Setenv(EnvCustomerToken, "")
	t.Setenv(EnvPrivateKey, "")
	t.Setenv(EnvPrivateKeyFile, "")
	t.Setenv(EnvBearerToken, "")
	for name, raw := range secretBaseURLs {
		for _, source := range []string{"attribute", EnvBaseURL} {
			t.Run(name+" from "+source, func(t *testing.T) {
				attrs := map[string]tftypes.Value{
					"customer_token": tftypes.NewValue(tftypes.String, "token"),
					"private_key":    tftypes.NewValue(tftypes.String, string(keyPEM)),
				}
				t.Setenv(EnvBaseURL, "")
				if source == "attribute" {
					attrs["base_url"] = tftypes.NewValue(tftypes.String, raw)
				} else {
					t.Setenv(EnvBaseURL, raw)
				}
				diags := configureProvider(t, attrs)
				text := diagnosticsText(diags)
				if !hasErrorAt(diags, "base_url") {
					t.Fatalf("no error on base_url: %s", text)
				}
				if strings.Contains(text, leakMarker) {
					t.Errorf("a diagnostic shows the secret: %s", text)
				}
			})
		}
	}
}

// An attribute set to an empty string would win over its environment variable; the provider
// says so instead of reporting the credential missing.
func TestProviderEmptyCredentialAttributes(t *testing.T) {
	_, keyPEM := testMerchantKey(t)
	keyFile := filepath.Join(t.TempDir(), "merchant-key.pem")
	writeFile(t, keyFile, string(keyPEM))
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	cases := map[string]struct {
		env   map[string]string
		attrs map[string]tftypes.Value
		path  string
		want  *regexp.Regexp // nil: no error expected
	}{
		"empty customer_token while CARDS_CUSTOMER_TOKEN is set": {
			env:   map[string]string{EnvCustomerToken: "env-token", EnvPrivateKeyFile: keyFile},
			attrs: map[string]tftypes.Value{"customer_token": str("")},
			path:  "customer_token",
			want: regexp.MustCompile(`(?s)Empty customer_token.*customer_token is set to an empty string.*overrides the CARDS_CUSTOMER_TOKEN ` +
				`environment variable.*CARDS_CUSTOMER_TOKEN is set in this environment but is not used.*Remove customer_token from the provider block`),
		},
		"blank customer_token without the variable": {
			env:   map[string]string{EnvPrivateKeyFile: keyFile},
			attrs: map[string]tftypes.Value{"customer_token": str("  ")},
			path:  "customer_token",
			want:  regexp.MustCompile(`(?s)Empty customer_token.*empty string.*Remove customer_token from the provider block to use CARDS_CUSTOMER_TOKEN, or set it to a value`),
		},
		"customer_token with a trailing newline": {
			env:   map[string]string{EnvPrivateKeyFile: keyFile},
			attrs: map[string]tftypes.Value{"customer_token": str("token\n")},
			path:  "customer_token",
			want:  regexp.MustCompile(`(?s)Invalid customer_token.*control character.*trimspace\(file`),
		},
		"CARDS_CUSTOMER_TOKEN with a trailing newline": {
			env:  map[string]string{EnvCustomerToken: "token\n", EnvPrivateKeyFile: keyFile},
			path: "customer_token",
			want: regexp.MustCompile(`(?s)Invalid customer token.*CARDS_CUSTOMER_TOKEN environment variable contains a control character`),
		},
		"empty private_key while CARDS_PRIVATE_KEY_FILE is set": {
			env:   map[string]string{EnvCustomerToken: "env-token", EnvPrivateKeyFile: keyFile},
			attrs: map[string]tftypes.Value{"private_key": str("")},
			path:  "private_key",
			want: regexp.MustCompile(`(?s)Empty private_key.*private_key is set to an empty string.*overrides the CARDS_PRIVATE_KEY and ` +
				`CARDS_PRIVATE_KEY_FILE environment variables.*CARDS_PRIVATE_KEY_FILE is set in this environment but is not used.*Remove private_key`),
		},
		"empty bearer_token while CARDS_BEARER_TOKEN is set": {
			env:   map[string]string{EnvCustomerToken: "env-token", EnvPrivateKeyFile: keyFile, EnvBearerToken: "env-bearer"},
			attrs: map[string]tftypes.Value{"bearer_token": str("")},
			path:  "bearer_token",
			want:  regexp.MustCompile(`(?s)Empty bearer_token.*overrides the CARDS_BEARER_TOKEN environment variable.*Remove bearer_token`),
		},
		"missing customer token": {
			env:  map[string]string{EnvPrivateKeyFile: keyFile},
			path: "customer_token",
			want: regexp.MustCompile(`(?s)Missing customer token.*CARDS_CUSTOMER_TOKEN`),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			for _, env := range []string{EnvBaseURL, EnvCustomerToken, EnvPrivateKey, EnvPrivateKeyFile, EnvBearerToken} {
				t.Setenv(env, tc.env[env])
			}
			attrs := map[string]tftypes.Value{"base_url": str("http://127.0.0.1:1/api/v1")}
			for k, v := range tc.attrs {
				attrs[k] = v
			}
			diags := configureProvider(t, attrs)
			text := diagnosticsText(diags)
			if !hasErrorAt(diags, tc.path) || !tc.want.MatchString(text) {
				t.Fatalf("want an error on %s matching %s, got: %s", tc.path, tc.want, text)
			}
			for _, secret := range []string{"env-token", "env-bearer", string(keyPEM[40:80])} {
				if strings.Contains(text, secret) {
					t.Errorf("a diagnostic shows a credential: %s", text)
				}
			}
		})
	}
}

// An empty bearer_token is harmless while CARDS_BEARER_TOKEN is not set: no bearer either way.
func TestCredentialValidatorOptionalWithoutEnvironment(t *testing.T) {
	t.Setenv(EnvBearerToken, "")
	_, keyPEM := testMerchantKey(t)
	t.Setenv(EnvPrivateKeyFile, "")
	t.Setenv(EnvPrivateKey, "")
	diags := validateProviderConfig(t, map[string]tftypes.Value{
		"base_url":       tftypes.NewValue(tftypes.String, "http://127.0.0.1:1/api/v1"),
		"customer_token": tftypes.NewValue(tftypes.String, "token"),
		"private_key":    tftypes.NewValue(tftypes.String, string(keyPEM)),
		"bearer_token":   tftypes.NewValue(tftypes.String, ""),
	})
	if len(diags) != 0 {
		t.Fatalf("unexpected diagnostics: %s", diagnosticsText(diags))
	}
}

// encryptedKeys returns the test merchant key encrypted with a passphrase, as
// `openssl genrsa -traditional -aes256` (PKCS#1 with Proc-Type headers) and as
// `openssl genrsa -aes256` of OpenSSL 3 (an "ENCRYPTED PRIVATE KEY" PKCS#8 block) write it.
func encryptedKeys(t *testing.T) (pkcs1, pkcs8 []byte) {
	t.Helper()
	key, _ := testMerchantKey(t)
	//nolint:staticcheck // EncryptPEMBlock is deprecated (legacy PEM encryption is weak); here it only makes a test input.
	block, err := x509.EncryptPEMBlock(rand.Reader, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key), []byte("passphrase"), x509.PEMCipherAES256)
	if err != nil {
		t.Fatal(err)
	}
	// The DER of an EncryptedPrivateKeyInfo is not needed to recognise the block: its type says it all.
	pkcs8 = pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{0x30, 0x03, 0x02, 0x01, 0x00}})
	return pem.EncodeToMemory(block), pkcs8
}

// An encrypted key is named as such, with how to decrypt it, instead of "not a valid key".
func TestParsePrivateKeyEncrypted(t *testing.T) {
	pkcs1, pkcs8 := encryptedKeys(t)
	if !strings.Contains(string(pkcs1), "Proc-Type: 4,ENCRYPTED") {
		t.Fatalf("test input lacks the Proc-Type header:\n%s", pkcs1)
	}
	for name, tc := range map[string]struct {
		pem  []byte
		want []string
	}{
		"PKCS#1 with Proc-Type": {pkcs1, []string{"encrypted with a passphrase", "Proc-Type: 4,ENCRYPTED", "unencrypted key", "openssl rsa -in key.pem -out key-plain.pem"}},
		"PKCS#8":                {pkcs8, []string{"ENCRYPTED PRIVATE KEY", "encrypted with a passphrase", "unencrypted key", "openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-plain.pem"}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := signing.ParsePrivateKey(tc.pem)
			if err == nil {
				t.Fatal("an encrypted key was accepted")
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			if strings.Contains(err.Error(), "not a valid") {
				t.Errorf("error still says the key is invalid: %v", err)
			}
		})
	}
}

// The acceptance side of items 1 to 3: each configuration fails at plan time with a diagnostic
// naming the attribute, nothing reaches the platform, and neither Terraform's output nor the
// provider's log (TF_ACC_LOG_PATH, TRACE) holds a credential.
func TestAccProvider_credentialsJudgedAtPlan(t *testing.T) {
	sb := startTestSandbox(t)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "merchant-key.pem")
	writeFile(t, keyFile, sb.KeyPEM)
	pkcs1, pkcs8 := encryptedKeys(t)
	encryptedPKCS1File := filepath.Join(dir, "encrypted-pkcs1.pem")
	writeFile(t, encryptedPKCS1File, string(pkcs1))
	encryptedPKCS8File := filepath.Join(dir, "encrypted-pkcs8.pem")
	writeFile(t, encryptedPKCS8File, string(pkcs8))
	const envOnlyValue = "b-" + leakMarker

	card := fmt.Sprintf(`
resource "cards_card" "test" {
  program_id = %q
}
`, sb.prog(progVirtual))
	cases := map[string]struct {
		env      map[string]string
		provider string
		want     *regexp.Regexp
	}{
		"base_url with a password from CARDS_BASE_URL": {
			env: map[string]string{EnvBaseURL: "https://merchant:" + leakMarker + "@cards.example.com/api/v1",
				EnvCustomerToken: sb.CustomerToken, EnvPrivateKeyFile: keyFile},
			provider: `provider "cards" {}`,
			want: loose(`(?s)Invalid base_url.*"https://\*\*\*@cards\.example\.com/api/v1".*must not contain credentials.*` +
				`CARDS_BASE_URL environment variable`),
		},
		"plain http with a password from CARDS_BASE_URL": {
			env: map[string]string{EnvBaseURL: "http://merchant:" + leakMarker + "@cards.example.com/api/v1",
				EnvCustomerToken: sb.CustomerToken, EnvPrivateKeyFile: keyFile},
			provider: `provider "cards" {}`,
			want:     loose(`(?s)Invalid base_url.*"http://\*\*\*@cards\.example\.com/api/v1".*must not contain credentials`),
		},
		"base_url with a query from CARDS_BASE_URL": {
			env: map[string]string{EnvBaseURL: sb.URL + "?api_key=" + leakMarker,
				EnvCustomerToken: sb.CustomerToken, EnvPrivateKeyFile: keyFile},
			provider: `provider "cards" {}`,
			want:     loose(`(?s)Invalid base_url.*/api/v1\?\*\*\*".*must not have a query`),
		},
		"base_url attribute with a query": {
			env: map[string]string{EnvCustomerToken: sb.CustomerToken, EnvPrivateKeyFile: keyFile},
			provider: fmt.Sprintf(`provider "cards" {
  base_url = "%s?region=eu"
}`, sb.URL),
			want: loose(`(?s)Invalid base_url.*/api/v1\?\*\*\*".*must not have a query`),
		},
		"customer_token empty while CARDS_CUSTOMER_TOKEN is set": {
			env: map[string]string{EnvCustomerToken: sb.CustomerToken, EnvPrivateKeyFile: keyFile},
			provider: fmt.Sprintf(`provider "cards" {
  base_url       = %q
  customer_token = ""
}`, sb.URL),
			want: loose(`(?s)Empty customer_token.*customer_token is set to an empty string.*overrides the CARDS_CUSTOMER_TOKEN` +
				` environment variable.*CARDS_CUSTOMER_TOKEN is set in this environment.*Remove customer_token from the provider block`),
		},
		"private_key empty while CARDS_PRIVATE_KEY_FILE is set": {
			env: map[string]string{EnvCustomerToken: sb.CustomerToken, EnvPrivateKeyFile: keyFile},
			provider: fmt.Sprintf(`provider "cards" {
  base_url    = %q
  private_key = ""
}`, sb.URL),
			want: loose(`(?s)Empty private_key.*overrides the CARDS_PRIVATE_KEY and CARDS_PRIVATE_KEY_FILE.*Remove private_key`),
		},
		"bearer_token empty while CARDS_BEARER_TOKEN is set": {
			env: map[string]string{EnvCustomerToken: sb.CustomerToken, EnvPrivateKeyFile: keyFile, EnvBearerToken: envOnlyValue},
			provider: fmt.Sprintf(`provider "cards" {
  base_url     = %q
  bearer_token = ""
}`, sb.URL),
			want: loose(`(?s)Empty bearer_token.*overrides the CARDS_BEARER_TOKEN.*Remove bearer_token`),
		},
		"encrypted PKCS#1 key in private_key": {
			env: map[string]string{EnvCustomerToken: sb.CustomerToken},
			provider: fmt.Sprintf(`provider "cards" {
  base_url    = %q
  private_key = file(%q)
}`, sb.URL, encryptedPKCS1File),
			want: loose(`(?s)Invalid private key.*private_key.*encrypted with a passphrase.*unencrypted key.*openssl rsa -in key\.pem -out key-plain\.pem`),
		},
		"encrypted PKCS#8 key from CARDS_PRIVATE_KEY_FILE": {
			env:      map[string]string{EnvBaseURL: sb.URL, EnvCustomerToken: sb.CustomerToken, EnvPrivateKeyFile: encryptedPKCS8File},
			provider: `provider "cards" {}`,
			want:     loose(`(?s)Invalid private key.*CARDS_PRIVATE_KEY_FILE.*ENCRYPTED PRIVATE KEY.*passphrase.*openssl pkcs8 -topk8 -nocrypt`),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			for _, env := range []string{EnvBaseURL, EnvCustomerToken, EnvPrivateKey, EnvPrivateKeyFile, EnvBearerToken} {
				t.Setenv(env, tc.env[env])
			}
			logFile := filepath.Join(t.TempDir(), "terraform.log")
			t.Setenv("TF_ACC_LOG_PATH", logFile) // Terraform's and the provider's log, at TRACE
			t.Setenv("TF_LOG_PATH_MASK", "")
			// ErrorCheck rather than ExpectError: it hands over the whole error, so the test can
			// check what it must not contain as well as what it must.
			var planErr error
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders(t),
				ErrorCheck: func(err error) error {
					planErr = err
					return nil
				},
				Steps: []resource.TestStep{{
					Config:   tc.provider + card,
					PlanOnly: true,
				}},
			})
			if planErr == nil || !tc.want.MatchString(planErr.Error()) {
				t.Fatalf("want a plan error matching %s, got:\n%v", tc.want, planErr)
			}
			logged, err := os.ReadFile(logFile)
			if err != nil {
				t.Fatalf("reading the log: %v", err)
			}
			if len(logged) == 0 {
				t.Fatal("TF_ACC_LOG_PATH log is empty: the log check would prove nothing")
			}
			for _, secret := range []string{leakMarker, sb.CustomerToken, sb.KeyPEM[40:80]} {
				if strings.Contains(planErr.Error(), secret) {
					t.Errorf("Terraform's output shows a credential (%.6s...):\n%v", secret, planErr)
				}
				if strings.Contains(string(logged), secret) {
					t.Errorf("the log %s shows a credential (%.6s...)", logFile, secret)
				}
			}
		})
	}
	for op, n := range sb.requestsSent() {
		if n != 0 {
			t.Errorf("sandbox received %d %s requests; a configuration judged at plan time must send nothing", n, op)
		}
	}
}

// configureProvider runs ValidateProviderConfig and, when it passes, ConfigureProvider on a
// fresh provider server with attrs (every other attribute null), and returns every diagnostic.
// Only for configurations that fail: a configured provider would open its working files.
func configureProvider(t *testing.T, attrs map[string]tftypes.Value) []*tfprotov6.Diagnostic {
	t.Helper()
	server, config := providerServerAndConfig(t, attrs)
	ctx := t.Context()
	validated, err := server.ValidateProviderConfig(ctx, &tfprotov6.ValidateProviderConfigRequest{Config: config})
	if err != nil {
		t.Fatal(err)
	}
	diags := validated.Diagnostics
	if hasErrors(diags) {
		return diags
	}
	configured, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{TerraformVersion: "1.11.4", Config: config})
	if err != nil {
		t.Fatal(err)
	}
	return append(diags, configured.Diagnostics...)
}

// validateProviderConfig runs only ValidateProviderConfig.
func validateProviderConfig(t *testing.T, attrs map[string]tftypes.Value) []*tfprotov6.Diagnostic {
	t.Helper()
	server, config := providerServerAndConfig(t, attrs)
	validated, err := server.ValidateProviderConfig(t.Context(), &tfprotov6.ValidateProviderConfigRequest{Config: config})
	if err != nil {
		t.Fatal(err)
	}
	return validated.Diagnostics
}

// providerServerAndConfig is a fresh provider server, with a journal folder of its own, and
// a provider configuration of attrs (every other attribute null).
func providerServerAndConfig(t testing.TB, attrs map[string]tftypes.Value) (tfprotov6.ProviderServer, *tfprotov6.DynamicValue) {
	t.Helper()
	server, err := providerserver.NewProtocol6WithError(&CardsProvider{version: "test", journalDir: t.TempDir()})()
	if err != nil {
		t.Fatal(err)
	}
	schema, err := server.GetProviderSchema(t.Context(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	typ, ok := schema.Provider.ValueType().(tftypes.Object)
	if !ok {
		t.Fatalf("provider schema type is %T", schema.Provider.ValueType())
	}
	for name := range attrs {
		if _, known := typ.AttributeTypes[name]; !known {
			t.Fatalf("no provider attribute %q", name)
		}
	}
	return server, dynamicValue(t, objectWith(typ, attrs))
}

// objectWith is an object of type typ holding attrs and every other attribute null, as
// Terraform sends an object that sets only some.
func objectWith(typ tftypes.Object, attrs map[string]tftypes.Value) tftypes.Value {
	values := map[string]tftypes.Value{}
	for name, attrType := range typ.AttributeTypes {
		values[name] = tftypes.NewValue(attrType, nil)
		if v, ok := attrs[name]; ok {
			values[name] = v
		}
	}
	return tftypes.NewValue(typ, values)
}

// dynamicValue is v as the plugin protocol carries it.
func dynamicValue(t testing.TB, v tftypes.Value) *tfprotov6.DynamicValue {
	t.Helper()
	dv, err := tfprotov6.NewDynamicValue(v.Type(), v)
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}

func hasErrors(diags []*tfprotov6.Diagnostic) bool {
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			return true
		}
	}
	return false
}

func diagnosticsText(diags []*tfprotov6.Diagnostic) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "[%s at %v] %s: %s\n", d.Severity, d.Attribute, d.Summary, d.Detail)
	}
	return b.String()
}

func hasErrorAt(diags []*tfprotov6.Diagnostic, attr string) bool {
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError && d.Attribute != nil && d.Attribute.Equal(tftypes.NewAttributePath().WithAttributeName(attr)) {
			return true
		}
	}
	return false
}

// A key given where PEM text belongs is called a file name only when it reads like one: a key
// pasted as one line of base64 (a common CI secret) holds '/' as well, and must not be.
func TestLooksLikeFileName(t *testing.T) {
	base64Key := strings.Repeat("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC/ab", 45) // no '+' or '=' to give it away
	for value, want := range map[string]bool{
		"keys/merchant.pem":     true,
		"merchant.key":          true,
		"/home/ci/.keys/signer": true,
		base64Key:               false,
		"-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----": false,
		"not a key": false,
	} {
		if got := looksLikeFileName(value); got != want {
			t.Errorf("looksLikeFileName(%.40q…) = %v, want %v", value, got, want)
		}
	}
}
