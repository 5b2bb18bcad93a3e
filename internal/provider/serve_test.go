package provider

import (
	"os"
	"testing"
)

// The plugin libraries log at the level Terraform shows, and a level the user set stays.
func TestDefaultPluginLogLevels(t *testing.T) {
	unset := "(unset)"
	cases := []struct {
		name                  string
		tfLog, provider, sdk  string
		wantProvider, wantSDK string
	}{
		{"nothing asked", unset, unset, unset, "OFF", "OFF"},
		{"TF_LOG", "DEBUG", unset, unset, "DEBUG", "DEBUG"},
		{"TF_LOG_PROVIDER wins over TF_LOG", "TRACE", "INFO", unset, "INFO", "INFO"},
		{"the user's SDK level stays", unset, "INFO", "TRACE", "INFO", "TRACE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for name, v := range map[string]string{"TF_LOG": tc.tfLog, "TF_LOG_PROVIDER": tc.provider, "TF_LOG_SDK": tc.sdk} {
				t.Setenv(name, v) // restores the old value after the test
				if v == unset {
					_ = os.Unsetenv(name)
				}
			}
			DefaultPluginLogLevels()
			if got := os.Getenv("TF_LOG_PROVIDER"); got != tc.wantProvider {
				t.Errorf("TF_LOG_PROVIDER = %q, want %q", got, tc.wantProvider)
			}
			if got := os.Getenv("TF_LOG_SDK"); got != tc.wantSDK {
				t.Errorf("TF_LOG_SDK = %q, want %q", got, tc.wantSDK)
			}
		})
	}
}
