package provider

import (
	"context"
	"crypto/rsa"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/arthawork/terraform-provider-cards/internal/cardsapi"
	"github.com/arthawork/terraform-provider-cards/internal/signing"
)

// Address is the provider's registry address.
const Address = "registry.terraform.io/arthawork/cards"

// DefaultBaseURL is the Cards API test environment.
const DefaultBaseURL = cardsapi.DefaultBaseURL

// Environment variables read when an attribute is not set in configuration.
const (
	EnvBaseURL        = "CARDS_BASE_URL"
	EnvCustomerToken  = "CARDS_CUSTOMER_TOKEN"
	EnvPrivateKey     = "CARDS_PRIVATE_KEY"
	EnvPrivateKeyFile = "CARDS_PRIVATE_KEY_FILE"
	EnvBearerToken    = "CARDS_BEARER_TOKEN"
)

var (
	_ provider.Provider                       = (*CardsProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*CardsProvider)(nil)
)

// CardsProvider is the Terraform provider for the Cards API.
type CardsProvider struct {
	version string
	// pollInitial overrides the client's first polling interval; acceptance tests shorten it.
	pollInitial time.Duration
	// journalDir overrides where the journal of issued cards and top-ups lives (tests: one per
	// test); "" means Terraform's data directory (journalDirectory).
	journalDir string
	// unknownStatusGrace overrides how long a wait tolerates an unknown status (tests).
	unknownStatusGrace time.Duration
}

// providerModel maps the provider block.
type providerModel struct {
	BaseURL           types.String  `tfsdk:"base_url"`
	CustomerToken     types.String  `tfsdk:"customer_token"`
	PrivateKey        types.String  `tfsdk:"private_key"`
	BearerToken       types.String  `tfsdk:"bearer_token"`
	MaxRetries        types.Int64   `tfsdk:"max_retries"`
	RequestsPerSecond types.Float64 `tfsdk:"requests_per_second"`
	RequestTimeout    types.String  `tfsdk:"request_timeout"`
	CardStatusMap     types.Map     `tfsdk:"card_status_map"`
	TopUpStatusMap    types.Map     `tfsdk:"topup_status_map"`
}

// New returns a constructor of the provider, as providerserver.Serve wants.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &CardsProvider{version: version}
	}
}

func (p *CardsProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "cards"
	resp.Version = p.version
}

func (p *CardsProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages payment cards on the Cards API: issue cards from a program, bind physical cards, " +
			"freeze and unfreeze them, rotate PINs, top them up and cancel them on destroy.",
		Attributes: map[string]schema.Attribute{
			"base_url": schema.StringAttribute{
				MarkdownDescription: "Base URL of the Cards API, e.g. `" + DefaultBaseURL + "` (the default, the test environment). " +
					"Must be `https`, except for loopback hosts such as a local sandbox, with no credentials, query or fragment " +
					"(diagnostics show a refused URL with those parts as `***`). Env: `" + EnvBaseURL + "`.",
				Optional:   true,
				Validators: []validator.String{baseURLValidator{}},
			},
			"customer_token": schema.StringAttribute{
				MarkdownDescription: "The merchant's customer token from the merchant platform. Env: `" + EnvCustomerToken + "`. " +
					"An empty string is an error: leave the attribute out to use the environment variable.",
				Optional:   true,
				Sensitive:  true,
				Validators: []validator.String{credentialValidator{required: true, noControlChars: true, envs: []string{EnvCustomerToken}}},
			},
			"private_key": schema.StringAttribute{
				MarkdownDescription: "The merchant's RSA private key (PEM, PKCS#1 or PKCS#8, at least 1024 bits) that signs every request; " +
					"its public key is uploaded to the merchant platform. Env: `" + EnvPrivateKey + "` (PEM text) or `" +
					EnvPrivateKeyFile + "` (a file path). The key must not be encrypted with a passphrase. An empty string is an error: " +
					"leave the attribute out to use the environment variables.",
				Optional:   true,
				Sensitive:  true,
				Validators: []validator.String{credentialValidator{required: true, envs: []string{EnvPrivateKey, EnvPrivateKeyFile}}},
			},
			"bearer_token": schema.StringAttribute{
				MarkdownDescription: "Optional token sent as `Authorization: Bearer`. Env: `" + EnvBearerToken + "`. " +
					"An empty string while the environment variable is set is an error: leave the attribute out to use it.",
				Optional:   true,
				Sensitive:  true,
				Validators: []validator.String{credentialValidator{noControlChars: true, envs: []string{EnvBearerToken}}},
			},
			"max_retries": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("How often a failed request is retried where that is safe (default %d). "+
					"Requests that create cards or move money are never retried after an ambiguous failure.", cardsapi.DefaultMaxRetries),
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(0, 20)},
			},
			"requests_per_second": schema.Float64Attribute{
				MarkdownDescription: "A hard cap on the requests per second of this provider, shared by every resource. " +
					"Unset, the rate adapts to the platform: no limit until the platform answers 429 (whose Retry-After is " +
					"honoured), then just under the rate the platform served, growing slowly while answers come; the first cut of " +
					"the next provider process within ten minutes (a plan's apply) goes no lower. Set it to " +
					"share one merchant's rate limit between pipelines.",
				Optional:   true,
				Validators: []validator.Float64{float64validator.Between(0.1, 1000)},
			},
			"request_timeout": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("Timeout of one HTTP request, a Go duration such as `30s` (default %s).", cardsapi.DefaultRequestTimeout),
				Optional:            true,
				Validators:          []validator.String{durationValidator{}},
			},
			"card_status_map":  statusMapAttribute("card", cardsapi.CardStatuses, `{ Normal = "Active" }`),
			"topup_status_map": statusMapAttribute("top-up", cardsapi.TopUpStatuses, `{ Done = "Success" }`),
		},
	}
}

func (p *CardsProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var config providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	checkAttributesKnown(config, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	settings := readSettings(config, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	client, err := p.newClient(ctx, config, settings, &resp.Diagnostics)
	if err != nil {
		resp.Diagnostics.AddError("Cannot configure the Cards API client", err.Error())
		return
	}
	registerBaseURL(client, settings.baseURL) // names it when a lookup finds nothing (base_url_check.go)
	resp.DataSourceData = client
	resp.ResourceData = &resourceData{client: client, journal: p.openJournal(&resp.Diagnostics), topUpTasks: &sync.Map{}, warnedStatuses: &sync.Map{}}
	resp.EphemeralResourceData = client
}

// clientSettings are the provider block's connection settings with the environment
// variables and defaults applied.
type clientSettings struct {
	baseURL       string
	baseURLOrigin string // where baseURL came from (baseURLSetting)
	customerToken string
	bearerToken   string
	privateKey    *rsa.PrivateKey
	timeout       time.Duration // zero: the client's default
	maxRetries    *int          // nil: the client's default
	rps           float64       // zero: adaptive, no cap
}

// checkAttributesKnown refuses attributes that are unknown until apply: the provider needs
// them to plan.
func checkAttributesKnown(config providerModel, diags *diag.Diagnostics) {
	for name, value := range map[string]interface{ IsUnknown() bool }{
		"base_url": config.BaseURL, "customer_token": config.CustomerToken, "private_key": config.PrivateKey,
		"bearer_token": config.BearerToken,
	} {
		if value.IsUnknown() {
			diags.AddAttributeError(path.Root(name), "Unknown provider attribute",
				fmt.Sprintf("%q depends on a value that is not known until apply; the provider needs it to plan. "+
					"Set it to a known value or use the environment variable.", name))
		}
	}
}

// readSettings reads every setting from the configuration or its environment variable,
// adding a diagnostic for each one that cannot be used.
func readSettings(config providerModel, diags *diag.Diagnostics) clientSettings {
	s := clientSettings{
		customerToken: customerTokenSetting(config, diags),
		bearerToken:   bearerTokenSetting(config, diags),
	}
	s.baseURL, s.baseURLOrigin = baseURLSetting(config, diags)
	key, keySummary, keyDetail := loadPrivateKey(config.PrivateKey)
	if keyDetail != "" {
		diags.AddAttributeError(path.Root("private_key"), keySummary, keyDetail)
	}
	s.privateKey = key
	if !config.RequestTimeout.IsNull() {
		s.timeout, _ = time.ParseDuration(config.RequestTimeout.ValueString()) // validated by durationValidator
	}
	if !config.MaxRetries.IsNull() {
		s.maxRetries = cardsapi.Retries(int(config.MaxRetries.ValueInt64()))
	}
	if !config.RequestsPerSecond.IsNull() {
		s.rps = config.RequestsPerSecond.ValueFloat64()
	}
	return s
}

// baseURLSetting returns the base URL from the attribute, CARDS_BASE_URL or the default, and
// which of the three it came from, which a diagnostic for a refused URL says.
func baseURLSetting(config providerModel, diags *diag.Diagnostics) (baseURL, origin string) {
	baseURL, baseURLSource := stringOrEnv(config.BaseURL, EnvBaseURL), "the base_url attribute"
	if config.BaseURL.IsNull() {
		baseURLSource = "the " + EnvBaseURL + " environment variable"
	}
	if baseURL == "" {
		baseURL, baseURLSource = DefaultBaseURL, "the default, as neither base_url nor "+EnvBaseURL+" is set"
	}
	if err := cardsapi.CheckBaseURL(baseURL); err != nil {
		diags.AddAttributeError(path.Root("base_url"), "Invalid base_url",
			fmt.Sprintf("%s (from %s).", err, baseURLSource))
	}
	return baseURL, baseURLSource
}

// customerTokenSetting returns the customer token from the attribute or
// CARDS_CUSTOMER_TOKEN; the token is required.
func customerTokenSetting(config providerModel, diags *diag.Diagnostics) string {
	token := stringOrEnv(config.CustomerToken, EnvCustomerToken)
	switch {
	case !config.CustomerToken.IsNull() && strings.TrimSpace(token) == "":
		diags.AddAttributeError(path.Root("customer_token"), "Empty customer_token",
			emptyCredentialProblem("customer_token", true, EnvCustomerToken))
	case strings.TrimSpace(token) == "":
		diags.AddAttributeError(path.Root("customer_token"), "Missing customer token",
			"Set customer_token in the provider block or the "+EnvCustomerToken+" environment variable to the merchant's customer token.")
	case config.CustomerToken.IsNull() && strings.ContainsFunc(token, unicode.IsControl):
		diags.AddAttributeError(path.Root("customer_token"), "Invalid customer token",
			"The "+EnvCustomerToken+" environment variable "+controlCharsProblem)
	}
	return token
}

// bearerTokenSetting returns the optional bearer token from the attribute or
// CARDS_BEARER_TOKEN.
func bearerTokenSetting(config providerModel, diags *diag.Diagnostics) string {
	bearer := stringOrEnv(config.BearerToken, EnvBearerToken)
	switch {
	case !config.BearerToken.IsNull() && strings.TrimSpace(bearer) == "" && os.Getenv(EnvBearerToken) != "":
		diags.AddAttributeError(path.Root("bearer_token"), "Empty bearer_token",
			emptyCredentialProblem("bearer_token", false, EnvBearerToken))
	case config.BearerToken.IsNull() && strings.ContainsFunc(bearer, unicode.IsControl):
		diags.AddAttributeError(path.Root("bearer_token"), "Invalid bearer token",
			"The "+EnvBearerToken+" environment variable "+controlCharsProblem)
	}
	return bearer
}

// newClient builds the Cards API client; the status maps' diagnostics go to diags.
func (p *CardsProvider) newClient(ctx context.Context, config providerModel, s clientSettings, diags *diag.Diagnostics) (*cardsapi.Client, error) {
	return cardsapi.New(cardsapi.Config{
		BaseURL:           s.baseURL,
		BaseURLOrigin:     s.baseURLOrigin,
		CustomerToken:     s.customerToken,
		PrivateKey:        s.privateKey,
		BearerToken:       s.bearerToken,
		MaxRetries:        s.maxRetries,
		RequestsPerSecond: s.rps,
		PaceMemoryDir:     p.paceMemoryDirectory(),
		RequestTimeout:    s.timeout,
		UserAgent:         "terraform-provider-cards/" + p.version,
		Logger:            tflogLogger{},
		PollInitial:       p.pollInitial,
		CardStatusMap:     stringMap(ctx, config.CardStatusMap, diags),
		TopUpStatusMap:    stringMap(ctx, config.TopUpStatusMap, diags),
		// unknownStatusGrace is zero (the client's default) outside tests.
		UnknownStatusGrace: p.unknownStatusGrace,
	})
}

func (p *CardsProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewCardResource,
		NewCardTopUpResource,
	}
}

func (p *CardsProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewMerchantDataSource,
		NewProgramDataSource,
		NewCountriesDataSource,
		NewTownsDataSource,
		NewCardDataSource,
		NewCardTransactionsDataSource,
		NewTransactionsDataSource,
		NewTopUpFeeDataSource,
	}
}

func (p *CardsProvider) EphemeralResources(_ context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		NewCardSecretsEphemeralResource,
		NewCardPinEphemeralResource,
	}
}

func stringOrEnv(value interface {
	IsNull() bool
	ValueString() string
}, env string) string {
	if !value.IsNull() {
		return value.ValueString()
	}
	return os.Getenv(env)
}

// loadPrivateKey returns the signing key from the attribute, CARDS_PRIVATE_KEY or the file named
// by CARDS_PRIVATE_KEY_FILE, or a diagnostic that names where it looked. It never echoes the key.
func loadPrivateKey(attr types.String) (key *rsa.PrivateKey, summary, problem string) {
	const invalid = "Invalid private key"
	source := "private_key"
	pemText := attr.ValueString()
	switch {
	case !attr.IsNull() && strings.TrimSpace(pemText) == "":
		return nil, invalid, emptyCredentialProblem("private_key", true, EnvPrivateKey, EnvPrivateKeyFile)
	case !attr.IsNull():
	case os.Getenv(EnvPrivateKey) != "":
		source, pemText = EnvPrivateKey, os.Getenv(EnvPrivateKey)
	case os.Getenv(EnvPrivateKeyFile) != "":
		file := os.Getenv(EnvPrivateKeyFile)
		source = fmt.Sprintf("%s (%s)", EnvPrivateKeyFile, file)
		data, err := os.ReadFile(file) //nolint:gosec // the user names the key file on purpose
		if err != nil {
			return nil, invalid, fmt.Sprintf("Cannot read the private key file named by %s: %v.", EnvPrivateKeyFile, err)
		}
		pemText = string(data)
	default:
		return nil, "Missing private key", "Set private_key in the provider block (PEM text, e.g. file(\"merchant.pem\")), or the " +
			EnvPrivateKey + " or " + EnvPrivateKeyFile + " environment variable. The key signs every request."
	}
	parsed, err := signing.ParsePrivateKey([]byte(pemText))
	if err != nil {
		problem = fmt.Sprintf("The key from %s cannot be used: %v.", source, err)
		if looksLikeFileName(pemText) {
			problem += fmt.Sprintf(" It looks like a file name, not PEM text: name the file in %s, or read it with "+
				"private_key = file(\"...\").", EnvPrivateKeyFile)
		}
		return nil, invalid, problem
	}
	return parsed, "", ""
}

// looksLikeFileName reports whether a value given as PEM text is a short line naming a key
// file, not the key in another encoding (a key in base64 on one line holds '/' too, but is
// over a thousand characters long).
func looksLikeFileName(value string) bool {
	value = strings.TrimSpace(value)
	lower := strings.ToLower(value)
	return value != "" && len(value) <= 255 && !strings.ContainsAny(value, "\n+=") && !strings.Contains(value, "-----") &&
		(strings.ContainsRune(value, '/') || strings.HasSuffix(lower, ".pem") || strings.HasSuffix(lower, ".key"))
}
