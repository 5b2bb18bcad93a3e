package provider

import (
	"os"
	"testing"
)

// The provider's logger and the plugin libraries' log at the level Terraform shows, and a
// level the user set stays. terraform-plugin-go sets the provider logger's level from
// TF_LOG_PROVIDER_<TYPE> ("registry.terraform.io/hashicorp/example becomes
// TF_LOG_PROVIDER_EXAMPLE"), not from TF_LOG_PROVIDER.
func TestDefaultPluginLogLevels(t *testing.T) {
	const providerVariable = "TF_LOG_PROVIDER_CARDS"
	unset := "(unset)"
	cases := []struct {
		name                   string
		tfLog, shown, own, sdk string
		wantOwn, wantSDK       string
	}{
		{"nothing asked", unset, unset, unset, unset, "OFF", "OFF"},
		{"TF_LOG", "DEBUG", unset, unset, unset, "DEBUG", "DEBUG"},
		{"TF_LOG_PROVIDER wins over TF_LOG", "TRACE", "INFO", unset, unset, "INFO", "INFO"},
		{"the user's SDK level stays", unset, "INFO", unset, "TRACE", "INFO", "TRACE"},
		{"the user's provider level stays", unset, "INFO", "DEBUG", unset, "DEBUG", "INFO"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for name, v := range map[string]string{"TF_LOG": tc.tfLog, "TF_LOG_PROVIDER": tc.shown,
				providerVariable: tc.own, "TF_LOG_SDK": tc.sdk} {
				t.Setenv(name, v) // restores the old value after the test
				if v == unset {
					_ = os.Unsetenv(name)
				}
			}
			DefaultPluginLogLevels(Address)
			if got := os.Getenv(providerVariable); got != tc.wantOwn {
				t.Errorf("%s = %q, want %q", providerVariable, got, tc.wantOwn)
			}
			if got := os.Getenv("TF_LOG_SDK"); got != tc.wantSDK {
				t.Errorf("TF_LOG_SDK = %q, want %q", got, tc.wantSDK)
			}
		})
	}
	if got := providerLogLevelVariable("registry.terraform.io/example-corp/card-issuer"); got != "TF_LOG_PROVIDER_CARD_ISSUER" {
		t.Errorf("the variable of a hyphenated type is %q", got)
	}
}
