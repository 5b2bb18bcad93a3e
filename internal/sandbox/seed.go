package sandbox

import (
	"strings"

	"github.com/shopspring/decimal"
)

// Seed program ids. They are fixed so tests, examples and the demo can name them.
const (
	// ProgramVirtual issues virtual USD cards without KYC: ApplyCard → Pending → Active.
	ProgramVirtual = "3f1c2a9e-7b4d-4c61-9a2e-5d8f0b6c1a01"
	// ProgramPhysicalKYC issues physical cards with KYC at ApplyCard
	// ("FullName,Comms,FullAddress,Passport") and needs an envelopeNo at Binding.
	ProgramPhysicalKYC = "8a7e5c3b-2d1f-4e9a-b6c4-0f3e2d1c5b02"
	// ProgramSignature issues virtual cards whose freeze, unfreeze and set-PIN need a signimage.
	ProgramSignature = "c4d2e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e03"
	// ProgramPhysicalKYCAtBinding issues physical cards whose KYC ("FullName,Comms") and
	// hand-held ID photo go on Binding.
	ProgramPhysicalKYCAtBinding = "e9b8a7c6-5d4e-4f3a-9b2c-1d0e9f8a7b04"
)

// Seeded merchant.
const (
	merchantName   = "Artha Sandbox Merchant Ltd"
	merchantEmail  = "merchant@sandbox.artha.example"
	merchantMobile = "+6590001234"
)

// seedBalances are the merchant's opening balances: the USD balance funds top-ups of the USD
// programs; USDT is listed like the platform does but no seeded program spends it.
var seedBalances = []balanceSeed{
	{Currency: "USD", CurrencyCode: "USD", Network: "TRC-20", Amount: "100000.00"},
	{Currency: "USDT", CurrencyCode: "USDT", Network: "TRC-20", Amount: "50000.00"},
}

type balanceSeed struct {
	Currency, CurrencyCode, Network, Amount string
}

// program is a seeded card program: its §5.2 wire form plus what only the sandbox knows.
type program struct {
	wire     programJSON
	physical bool            // physical cards go through Binding
	feeRate  decimal.Decimal // recharge fee as a fraction of the amount, e.g. 0.015
}

func (p *program) id() string                   { return p.wire.ProgramID }
func (p *program) currency() string             { return p.wire.Currency }
func (p *program) singleLimit() decimal.Decimal { return decimal.Decimal(p.wire.SingleRechargeLimit) }

// kycRequirements is the program's requirement list, "" for none.
func (p *program) kycRequirements() string {
	if p.wire.KYCRequirements == nil {
		return ""
	}
	return *p.wire.KYCRequirements
}

// kycAtApply says whether ApplyCard carries KYC (internal/cardsapi/API.md §4 row 3).
func (p *program) kycAtApply() bool {
	return p.wire.KYCRequiredWhileApplyCard && p.kycRequirements() != ""
}

// kycAtBinding says whether Binding carries KYC (internal/cardsapi/API.md §4 row 4).
func (p *program) kycAtBinding() bool {
	return p.physical && !p.wire.KYCRequiredWhileApplyCard && p.kycRequirements() != ""
}

// rechargeFee is THE fee formula, used by both EstimateCardTopUpFee and CardTopUp:
//
//	fee = clamp(round_half_up(amount × rate, 2), rechargeFeeMin, rechargeFeeMax)
//
// decimal.Round rounds half away from zero, which is half up for the positive amounts the
// sandbox accepts.
func (p *program) rechargeFee(amount decimal.Decimal) decimal.Decimal {
	fee := amount.Mul(p.feeRate).Round(2)
	if lo := decimal.Decimal(p.wire.RechargeFeeMin); fee.LessThan(lo) {
		fee = lo
	}
	if hi := decimal.Decimal(p.wire.RechargeFeeMax); fee.GreaterThan(hi) {
		fee = hi
	}
	return fee
}

// RechargeFee returns the fee a top-up of amount onto a card of the seeded program would
// cost (the formula above), or false for an unknown program. Tests use it to predict balances.
func RechargeFee(programID string, amount decimal.Decimal) (decimal.Decimal, bool) {
	p := findProgram(programID)
	if p == nil {
		return decimal.Decimal{}, false
	}
	return p.rechargeFee(amount), true
}

func findProgram(id string) *program {
	for _, p := range programs {
		if strings.EqualFold(p.wire.ProgramID, id) {
			return p
		}
	}
	return nil
}

func num(s string) number   { return number(decimal.RequireFromString(s)) }
func strp(s string) *string { return &s }

var topUpTokens = []topUpTokenJSON{
	{Token: "USDT", Network: "TRC-20", Address: "TVjsyZ7fYF3qLF6BQgPmTEZy1xrNNyVAAA"},
	{Token: "USDT", Network: "ERC-20", Address: "0x5a1dbe4e6c0b8d2f9a7c3e1b4d6f8a0c2e4b6d8f"},
}

// programs are the seeded programs, in the order MerchantInformation lists them.
var programs = []*program{
	{
		physical: false,
		feeRate:  decimal.RequireFromString("0.015"),
		wire: programJSON{
			ProgramID: ProgramVirtual, BIN: 428852, Name: "Sandbox Virtual USD",
			Currency: "USD", Type: "Debit", ConsumptionMethod: "Online", ISOCountryName: "United States",
			CardFee: num("0.00"), CardOpeningFee: num("2.00"), FirstRechargeAmount: num("10.00"),
			CancellationFeeMin: num("0.00"), CancellationFeeMax: num("0.00"), FreightFee: num("0.00"),
			RechargeFeeMin: num("1.00"), RechargeFeeMax: num("50.00"), TransactionFee: num("0.20"),
			ATMWithdrawalFee: num("0.00"), MaintenanceFee: num("0.00"), ATMBalanceInquiryFee: num("0.00"),
			MonthlyRechargeLimit: num("50000.00"), DailyRechargeLimit: num("10000.00"),
			SingleRechargeLimit: num("5000.00"), PerPaymentLimit: num("5000.00"),
			ATMDailyWithdrawalLimit: num("0.00"), SpendingLimit: num("20000.00"),
			ReviewTime: "2025-01-15T00:00:00Z", CardState: "Active",
			Note:                    "Recharge fee 1.5% of the amount, min 1.00, max 50.00 USD.",
			Remarks:                 "Instant virtual card for online payments.",
			SupportedOperationTypes: "TopUp,Freeze,UnFreeze,Cancel,SetPin",
			SupportedPlatforms:      "Visa,ApplePay,GooglePay",
			CardImage:               "https://cdn.sandbox.artha.example/cards/virtual-usd.png",
			TopUpTokens:             topUpTokens, KYCType: "None",
		},
	},
	{
		physical: true,
		feeRate:  decimal.RequireFromString("0.02"),
		wire: programJSON{
			ProgramID: ProgramPhysicalKYC, BIN: 535522, Name: "Sandbox Physical USD (KYC at apply)",
			Currency: "USD", Type: "Debit", ConsumptionMethod: "Online,POS,ATM", ISOCountryName: "Singapore",
			CardFee: num("10.00"), CardOpeningFee: num("5.00"), FirstRechargeAmount: num("50.00"),
			CancellationFeeMin: num("0.00"), CancellationFeeMax: num("5.00"), FreightFee: num("15.00"),
			RechargeFeeMin: num("2.00"), RechargeFeeMax: num("100.00"), TransactionFee: num("0.30"),
			ATMWithdrawalFee: num("2.50"), MaintenanceFee: num("1.00"), ATMBalanceInquiryFee: num("0.50"),
			MonthlyRechargeLimit: num("100000.00"), DailyRechargeLimit: num("20000.00"),
			SingleRechargeLimit: num("10000.00"), PerPaymentLimit: num("10000.00"),
			ATMDailyWithdrawalLimit: num("1000.00"), SpendingLimit: num("50000.00"),
			ReviewTime: "2025-02-01T00:00:00Z", CardState: "Active",
			Note:                      "Recharge fee 2% of the amount, min 2.00, max 100.00 USD. Delivered in a numbered envelope.",
			Remarks:                   "Physical card; KYC reviewed before shipping.",
			SupportedOperationTypes:   "TopUp,Freeze,UnFreeze,Cancel,SetPin",
			SupportedPlatforms:        "Mastercard,POS,ATM,ApplePay",
			CardImage:                 "https://cdn.sandbox.artha.example/cards/physical-usd.png",
			TopUpTokens:               topUpTokens,
			KYCRequiredWhileApplyCard: true, KYCRequirements: strp("FullName,Comms,FullAddress,Passport"),
			KYCType: "Standard", EnvelopeNoRequired: true,
		},
	},
	{
		physical: false,
		feeRate:  decimal.RequireFromString("0.01"),
		wire: programJSON{
			ProgramID: ProgramSignature, BIN: 476134, Name: "Sandbox Virtual USD (signed operations)",
			Currency: "USD", Type: "Debit", ConsumptionMethod: "Online", ISOCountryName: "United Kingdom",
			CardFee: num("0.00"), CardOpeningFee: num("1.00"), FirstRechargeAmount: num("5.00"),
			CancellationFeeMin: num("0.00"), CancellationFeeMax: num("0.00"), FreightFee: num("0.00"),
			RechargeFeeMin: num("0.50"), RechargeFeeMax: num("25.00"), TransactionFee: num("0.10"),
			ATMWithdrawalFee: num("0.00"), MaintenanceFee: num("0.50"), ATMBalanceInquiryFee: num("0.00"),
			MonthlyRechargeLimit: num("20000.00"), DailyRechargeLimit: num("5000.00"),
			SingleRechargeLimit: num("2000.00"), PerPaymentLimit: num("2000.00"),
			ATMDailyWithdrawalLimit: num("0.00"), SpendingLimit: num("10000.00"),
			ReviewTime: "2025-03-10T00:00:00Z", CardState: "Active",
			Note:                    "Recharge fee 1% of the amount, min 0.50, max 25.00 USD. Freeze, unfreeze and set-PIN need the cardholder's signature image.",
			Remarks:                 "Virtual card with signed card operations.",
			SupportedOperationTypes: "TopUp,Freeze,UnFreeze,Cancel,SetPin",
			SupportedPlatforms:      "Visa",
			CardImage:               "https://cdn.sandbox.artha.example/cards/virtual-signed.png",
			TopUpTokens:             topUpTokens, KYCType: "None", NeedPhotoForOperateCard: true,
		},
	},
	{
		physical: true,
		feeRate:  decimal.RequireFromString("0.025"),
		wire: programJSON{
			ProgramID: ProgramPhysicalKYCAtBinding, BIN: 522981, Name: "Sandbox Physical USD (KYC at binding)",
			Currency: "USD", Type: "Debit", ConsumptionMethod: "Online,POS", ISOCountryName: "United Arab Emirates",
			CardFee: num("8.00"), CardOpeningFee: num("3.00"), FirstRechargeAmount: num("20.00"),
			CancellationFeeMin: num("0.00"), CancellationFeeMax: num("3.00"), FreightFee: num("12.00"),
			RechargeFeeMin: num("2.50"), RechargeFeeMax: num("75.00"), TransactionFee: num("0.25"),
			ATMWithdrawalFee: num("2.00"), MaintenanceFee: num("0.75"), ATMBalanceInquiryFee: num("0.25"),
			MonthlyRechargeLimit: num("30000.00"), DailyRechargeLimit: num("6000.00"),
			SingleRechargeLimit: num("3000.00"), PerPaymentLimit: num("3000.00"),
			ATMDailyWithdrawalLimit: num("500.00"), SpendingLimit: num("15000.00"),
			ReviewTime: "2025-04-20T00:00:00Z", CardState: "Active",
			Note:                    "Recharge fee 2.5% of the amount, min 2.50, max 75.00 USD. KYC and a hand-held ID photo are collected at binding.",
			Remarks:                 "Physical card handed out unpersonalised; bind it to activate.",
			SupportedOperationTypes: "TopUp,Freeze,UnFreeze,Cancel,SetPin",
			SupportedPlatforms:      "Mastercard,POS",
			CardImage:               "https://cdn.sandbox.artha.example/cards/physical-binding.png",
			TopUpTokens:             topUpTokens,
			KYCRequirements:         strp("FullName,Comms"), KYCType: "Basic", NeedPhotoForActiveCard: true,
		},
	},
}

// country is an entry of /Countries; ISO 3166-1 codes are the real ones.
type country struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Nationality string `json:"nationality"`
	ISOTwo      string `json:"isoTwo"`
	ISOThree    string `json:"isoThree"`
	ISONumber   string `json:"isoNumber"`
}

// town is an entry of /Towns; Code is its UN/LOCODE and CountryOrRegion a country id.
type town struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	Code            string `json:"code"`
	CountryOrRegion string `json:"countryOrRegion"`
}

var countries = []country{
	{"1", "United States", "American", "US", "USA", "840"},
	{"2", "United Kingdom", "British", "GB", "GBR", "826"},
	{"3", "Germany", "German", "DE", "DEU", "276"},
	{"4", "France", "French", "FR", "FRA", "250"},
	{"5", "Spain", "Spanish", "ES", "ESP", "724"},
	{"6", "Italy", "Italian", "IT", "ITA", "380"},
	{"7", "Netherlands", "Dutch", "NL", "NLD", "528"},
	{"8", "Belgium", "Belgian", "BE", "BEL", "056"},
	{"9", "Switzerland", "Swiss", "CH", "CHE", "756"},
	{"10", "Austria", "Austrian", "AT", "AUT", "040"},
	{"11", "Portugal", "Portuguese", "PT", "PRT", "620"},
	{"12", "Ireland", "Irish", "IE", "IRL", "372"},
	{"13", "Sweden", "Swedish", "SE", "SWE", "752"},
	{"14", "Norway", "Norwegian", "NO", "NOR", "578"},
	{"15", "Denmark", "Danish", "DK", "DNK", "208"},
	{"16", "Finland", "Finnish", "FI", "FIN", "246"},
	{"17", "Poland", "Polish", "PL", "POL", "616"},
	{"18", "Czechia", "Czech", "CZ", "CZE", "203"},
	{"19", "Greece", "Greek", "GR", "GRC", "300"},
	{"20", "Turkey", "Turkish", "TR", "TUR", "792"},
	{"21", "United Arab Emirates", "Emirati", "AE", "ARE", "784"},
	{"22", "Saudi Arabia", "Saudi", "SA", "SAU", "682"},
	{"23", "India", "Indian", "IN", "IND", "356"},
	{"24", "Pakistan", "Pakistani", "PK", "PAK", "586"},
	{"25", "Singapore", "Singaporean", "SG", "SGP", "702"},
	{"26", "Malaysia", "Malaysian", "MY", "MYS", "458"},
	{"27", "Thailand", "Thai", "TH", "THA", "764"},
	{"28", "Viet Nam", "Vietnamese", "VN", "VNM", "704"},
	{"29", "Philippines", "Filipino", "PH", "PHL", "608"},
	{"30", "Indonesia", "Indonesian", "ID", "IDN", "360"},
	{"31", "Japan", "Japanese", "JP", "JPN", "392"},
	{"32", "Korea, Republic of", "South Korean", "KR", "KOR", "410"},
	{"33", "China", "Chinese", "CN", "CHN", "156"},
	{"34", "Hong Kong", "Hongkonger", "HK", "HKG", "344"},
	{"35", "Australia", "Australian", "AU", "AUS", "036"},
	{"36", "New Zealand", "New Zealander", "NZ", "NZL", "554"},
	{"37", "Canada", "Canadian", "CA", "CAN", "124"},
	{"38", "Mexico", "Mexican", "MX", "MEX", "484"},
	{"39", "Brazil", "Brazilian", "BR", "BRA", "076"},
	{"40", "Argentina", "Argentine", "AR", "ARG", "032"},
	{"41", "Chile", "Chilean", "CL", "CHL", "152"},
	{"42", "Colombia", "Colombian", "CO", "COL", "170"},
	{"43", "South Africa", "South African", "ZA", "ZAF", "710"},
	{"44", "Nigeria", "Nigerian", "NG", "NGA", "566"},
	{"45", "Kenya", "Kenyan", "KE", "KEN", "404"},
	{"46", "Egypt", "Egyptian", "EG", "EGY", "818"},
}

var towns = []town{
	{"1001", "New York", "USNYC", "1"},
	{"1002", "Los Angeles", "USLAX", "1"},
	{"1003", "Chicago", "USCHI", "1"},
	{"1004", "San Francisco", "USSFO", "1"},
	{"1005", "London", "GBLON", "2"},
	{"1006", "Manchester", "GBMNC", "2"},
	{"1007", "Edinburgh", "GBEDI", "2"},
	{"1008", "Berlin", "DEBER", "3"},
	{"1009", "Munich", "DEMUC", "3"},
	{"1010", "Hamburg", "DEHAM", "3"},
	{"1011", "Frankfurt am Main", "DEFRA", "3"},
	{"1012", "Paris", "FRPAR", "4"},
	{"1013", "Lyon", "FRLYS", "4"},
	{"1014", "Marseille", "FRMRS", "4"},
	{"1015", "Madrid", "ESMAD", "5"},
	{"1016", "Barcelona", "ESBCN", "5"},
	{"1017", "Rome", "ITROM", "6"},
	{"1018", "Milan", "ITMIL", "6"},
	{"1019", "Amsterdam", "NLAMS", "7"},
	{"1020", "Rotterdam", "NLRTM", "7"},
	{"1021", "Zurich", "CHZRH", "9"},
	{"1022", "Geneva", "CHGVA", "9"},
	{"1023", "Dubai", "AEDXB", "21"},
	{"1024", "Abu Dhabi", "AEAUH", "21"},
	{"1025", "Mumbai", "INBOM", "23"},
	{"1026", "New Delhi", "INDEL", "23"},
	{"1027", "Bengaluru", "INBLR", "23"},
	{"1028", "Chennai", "INMAA", "23"},
	{"1029", "Singapore", "SGSIN", "25"},
	{"1030", "Kuala Lumpur", "MYKUL", "26"},
	{"1031", "Bangkok", "THBKK", "27"},
	{"1032", "Tokyo", "JPTYO", "31"},
	{"1033", "Osaka", "JPOSA", "31"},
	{"1034", "Seoul", "KRSEL", "32"},
	{"1035", "Shanghai", "CNSHA", "33"},
	{"1036", "Beijing", "CNBJS", "33"},
	{"1037", "Hong Kong", "HKHKG", "34"},
	{"1038", "Sydney", "AUSYD", "35"},
	{"1039", "Melbourne", "AUMEL", "35"},
	{"1040", "Toronto", "CATOR", "37"},
	{"1041", "Vancouver", "CAVAN", "37"},
	{"1042", "Mexico City", "MXMEX", "38"},
	{"1043", "São Paulo", "BRSAO", "39"},
	{"1044", "Rio de Janeiro", "BRRIO", "39"},
	{"1045", "Johannesburg", "ZAJNB", "43"},
	{"1046", "Cape Town", "ZACPT", "43"},
	{"1047", "Lagos", "NGLOS", "44"},
	{"1048", "Nairobi", "KENBO", "45"},
}

func findCountryByID(id string) *country {
	for i := range countries {
		if countries[i].ID == id {
			return &countries[i]
		}
	}
	return nil
}

func findCountryByISO3(code string) *country {
	for i := range countries {
		if strings.EqualFold(countries[i].ISOThree, code) {
			return &countries[i]
		}
	}
	return nil
}

// findTown accepts a town id or its code, as internal/cardsapi/API.md §5.3 allows both.
func findTown(idOrCode string) *town {
	for i := range towns {
		if towns[i].ID == idOrCode || strings.EqualFold(towns[i].Code, idOrCode) {
			return &towns[i]
		}
	}
	return nil
}
