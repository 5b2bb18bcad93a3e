package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/arthawork/terraform-provider-cards/internal/cardsapi"
)

var (
	_ datasource.DataSource              = (*programDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*programDataSource)(nil)
)

// NewProgramDataSource is the cards_program data source.
func NewProgramDataSource() datasource.DataSource { return &programDataSource{} }

type programDataSource struct{ dataSourceClient }

// programDataSourceModel is every field of internal/cardsapi/API.md §5.2 plus the KYC fields derived from §5.3.
type programDataSourceModel struct {
	ProgramID         types.String `tfsdk:"program_id"`
	BIN               types.Int64  `tfsdk:"bin"`
	Name              types.String `tfsdk:"name"`
	Currency          types.String `tfsdk:"currency"`
	Type              types.String `tfsdk:"type"`
	ConsumptionMethod types.String `tfsdk:"consumption_method"`
	ISOCountryName    types.String `tfsdk:"iso_country_name"`

	CardFee              types.String `tfsdk:"card_fee"`
	CardOpeningFee       types.String `tfsdk:"card_opening_fee"`
	FirstRechargeAmount  types.String `tfsdk:"first_recharge_amount"`
	CancellationFeeMin   types.String `tfsdk:"cancellation_fee_min"`
	CancellationFeeMax   types.String `tfsdk:"cancellation_fee_max"`
	FreightFee           types.String `tfsdk:"freight_fee"`
	RechargeFeeMin       types.String `tfsdk:"recharge_fee_min"`
	RechargeFeeMax       types.String `tfsdk:"recharge_fee_max"`
	TransactionFee       types.String `tfsdk:"transaction_fee"`
	ATMWithdrawalFee     types.String `tfsdk:"atm_withdrawal_fee"`
	MaintenanceFee       types.String `tfsdk:"maintenance_fee"`
	ATMBalanceInquiryFee types.String `tfsdk:"atm_balance_inquiry_fee"`

	MonthlyRechargeLimit    types.String `tfsdk:"monthly_recharge_limit"`
	DailyRechargeLimit      types.String `tfsdk:"daily_recharge_limit"`
	SingleRechargeLimit     types.String `tfsdk:"single_recharge_limit"`
	PerPaymentLimit         types.String `tfsdk:"per_payment_limit"`
	ATMDailyWithdrawalLimit types.String `tfsdk:"atm_daily_withdrawal_limit"`
	SpendingLimit           types.String `tfsdk:"spending_limit"`

	ReviewTime              types.String      `tfsdk:"review_time"`
	CardState               types.String      `tfsdk:"card_state"`
	Note                    types.String      `tfsdk:"note"`
	Remarks                 types.String      `tfsdk:"remarks"`
	SupportedOperationTypes types.String      `tfsdk:"supported_operation_types"`
	SupportedPlatforms      types.String      `tfsdk:"supported_platforms"`
	CardImage               types.String      `tfsdk:"card_image"`
	TopUpTokens             []topUpTokenModel `tfsdk:"top_up_tokens"`

	KYCRequiredWhileApplyCard types.Bool   `tfsdk:"kyc_required_while_apply_card"`
	KYCRequirements           types.String `tfsdk:"kyc_requirements"`
	KYCType                   types.String `tfsdk:"kyc_type"`
	NeedPhotoForActiveCard    types.Bool   `tfsdk:"need_photo_for_active_card"`
	NeedPhotoForOperateCard   types.Bool   `tfsdk:"need_photo_for_operate_card"`
	EnvelopeNoRequired        types.Bool   `tfsdk:"envelope_no_required"`

	KYCRequiredFieldsAtApply   []string `tfsdk:"kyc_required_fields_at_apply"`
	KYCRequiredFieldsAtBinding []string `tfsdk:"kyc_required_fields_at_binding"`
}

type topUpTokenModel struct {
	Token   types.String `tfsdk:"token"`
	Network types.String `tfsdk:"network"`
	Address types.String `tfsdk:"address"`
}

// programMoneyAttributes describes the program's fees and limits, all exact decimal strings.
var programMoneyAttributes = []struct{ name, description string }{
	{"card_fee", "Fee per card."},
	{"card_opening_fee", "Fee for opening a card."},
	{"first_recharge_amount", "Amount of the first recharge."},
	{"cancellation_fee_min", "Lowest cancellation fee."},
	{"cancellation_fee_max", "Highest cancellation fee."},
	{"freight_fee", "Shipping fee of a physical card."},
	{"recharge_fee_min", "Lowest fee of a top-up."},
	{"recharge_fee_max", "Highest fee of a top-up."},
	{"transaction_fee", "Fee per card transaction."},
	{"atm_withdrawal_fee", "Fee per ATM withdrawal."},
	{"maintenance_fee", "Maintenance fee."},
	{"atm_balance_inquiry_fee", "Fee per ATM balance inquiry."},
	{"monthly_recharge_limit", "Most that can be loaded onto a card per month."},
	{"daily_recharge_limit", "Most that can be loaded onto a card per day."},
	{"single_recharge_limit", "Most that one top-up may load; the provider stops a larger `cards_card_topup` before any money moves."},
	{"per_payment_limit", "Most one payment may spend."},
	{"atm_daily_withdrawal_limit", "Most that can be withdrawn at ATMs per day."},
	{"spending_limit", "Spending limit of a card."},
}

var programTextAttributes = []struct{ name, description string }{
	{"name", "The program's name."},
	{"currency", "The currency of the program's cards, e.g. `USD`."},
	{"type", "The card type, e.g. `Debit`."},
	{"consumption_method", "Where the cards can be used, e.g. `Online`."},
	{"iso_country_name", "The program's country."},
	{"review_time", "The program's review time as the platform reports it (a date-time)."},
	{"card_state", "The program's state, e.g. `Active`."},
	{"note", "The platform's note on the program."},
	{"remarks", "The platform's remarks on the program."},
	{"supported_operation_types", "Operations the cards support, comma-separated as the platform reports them."},
	{"supported_platforms", "Platforms the cards support, comma-separated as the platform reports them."},
	{"card_image", "URL of the card's image."},
	{"kyc_type", "The program's KYC type as the platform reports it."},
}

func (d *programDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_program"
}

func (d *programDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := map[string]schema.Attribute{
		"program_id": schema.StringAttribute{
			MarkdownDescription: "The program to look up (`data.cards_merchant` lists the merchant's programs). An unknown id is an error.",
			Required:            true,
			Validators:          []validator.String{stringvalidator.LengthBetween(1, 36)},
		},
		"bin": schema.Int64Attribute{MarkdownDescription: "The bank identification number of the program's cards.", Computed: true},
		"top_up_tokens": schema.ListNestedAttribute{
			MarkdownDescription: "Deposit addresses for funding the merchant in crypto tokens.",
			Computed:            true,
			NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"token":   schema.StringAttribute{MarkdownDescription: "The token, e.g. `USDT`.", Computed: true},
				"network": schema.StringAttribute{MarkdownDescription: "The network, e.g. `TRC-20`.", Computed: true},
				"address": schema.StringAttribute{MarkdownDescription: "The deposit address.", Computed: true},
			}},
		},
		"kyc_required_while_apply_card": schema.BoolAttribute{
			MarkdownDescription: "Whether KYC is sent when applying for a card (otherwise at binding).", Computed: true},
		"kyc_requirements": schema.StringAttribute{
			MarkdownDescription: "The program's KYC requirement keys, comma-separated as the platform reports them " +
				"(e.g. `FullName,Comms`); null when the program needs no KYC.", Computed: true},
		"need_photo_for_active_card": schema.BoolAttribute{
			MarkdownDescription: "Whether binding needs a photo of the holder holding the ID (`cards_card.binding.hand_held_id_photo`).", Computed: true},
		"need_photo_for_operate_card": schema.BoolAttribute{
			MarkdownDescription: "Whether freeze, unfreeze and PIN changes need a signature image (`cards_card.sign_image`).", Computed: true},
		"envelope_no_required": schema.BoolAttribute{
			MarkdownDescription: "Whether binding needs the envelope number (`cards_card.binding.envelope_no`).", Computed: true},
		"kyc_required_fields_at_apply": schema.ListAttribute{
			MarkdownDescription: "The `cards_card.kyc` attributes this program requires when applying for a card, sorted; " +
				"empty when KYC is not sent at apply time.",
			ElementType: types.StringType,
			Computed:    true,
		},
		"kyc_required_fields_at_binding": schema.ListAttribute{
			MarkdownDescription: "The `cards_card.kyc` attributes this program requires when binding a physical card, sorted; " +
				"empty when KYC is not sent at binding.",
			ElementType: types.StringType,
			Computed:    true,
		},
	}
	for _, a := range programMoneyAttributes {
		attrs[a.name] = schema.StringAttribute{
			MarkdownDescription: a.description + " An exact decimal string with two places, e.g. `\"1.50\"`.",
			Computed:            true,
		}
	}
	for _, a := range programTextAttributes {
		attrs[a.name] = schema.StringAttribute{MarkdownDescription: a.description, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Every detail of one card program (`ProgramDetails`): fees, limits, KYC needs and what a " +
			"`cards_card` from it must be given. Amounts are exact decimal strings.",
		Attributes: attrs,
	}
}

func (d *programDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var data programDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &data)...)
	if resp.Diagnostics.HasError() {
		return
	}
	programID := data.ProgramID.ValueString()
	p := d.readProgram(ctx, programID, &resp.Diagnostics)
	if p == nil {
		return
	}
	atApply, atBinding := programKYCFieldsByStep(p, programID, &resp.Diagnostics)
	data = programToModel(data.ProgramID, p, atApply, atBinding)
	resp.Diagnostics.Append(resp.State.Set(ctx, &data)...)
}

// readProgram reads the program, or adds an error and returns nil when it cannot be read or
// does not exist.
func (d *programDataSource) readProgram(ctx context.Context, programID string, diags *diag.Diagnostics) *cardsapi.Program {
	p, err := d.client.ProgramDetails(ctx, programID)
	if err != nil {
		if addWrongBaseURL(ctx, d.client, err, diags) {
			return nil
		}
		if cardsapi.IsNotFound(err) {
			diags.AddAttributeError(path.Root("program_id"), "Program not found",
				fmt.Sprintf("No program %q exists for this merchant. data.cards_merchant lists the merchant's programs.", programID))
			return nil
		}
		diags.AddError("Cannot read the program", fmt.Sprintf("Program %q: %s", programID, err))
		return nil
	}
	if p.ProgramID == "" && p.Name == "" {
		diags.AddAttributeError(path.Root("program_id"), "Program not found",
			fmt.Sprintf("The platform returned no program for id %q. data.cards_merchant lists the merchant's programs.", programID))
		return nil
	}
	return p
}

// programKYCFieldsByStep returns the attribute names of the KYC the program asks for, split by
// the step that sends them (ApplyCard or Binding). It warns about requirement keys this provider
// does not know; they are left out.
func programKYCFieldsByStep(p *cardsapi.Program, programID string, diags *diag.Diagnostics) (atApply, atBinding []string) {
	fields, unknownKeys := p.RequiredKYCFields()
	if len(unknownKeys) > 0 {
		diags.AddWarning("Unknown KYC requirement",
			fmt.Sprintf("Program %q asks for KYC %q, which this provider does not know; the kyc_required_fields_* lists leave it out.",
				programID, strings.Join(unknownKeys, ",")))
	}
	atApply, atBinding = []string{}, []string{}
	if len(fields) > 0 {
		if p.KYCRequiredWhileApplyCard {
			atApply = kycAttributeNames(fields)
		} else {
			atBinding = kycAttributeNames(fields)
		}
	}
	return atApply, atBinding
}

// programToModel converts the program to the data source's state; programID is the id as
// configured.
func programToModel(programID types.String, p *cardsapi.Program, atApply, atBinding []string) programDataSourceModel {
	m := programDataSourceModel{
		ProgramID:         programID,
		BIN:               types.Int64Value(int64(p.BIN)),
		Name:              types.StringValue(p.Name),
		Currency:          types.StringValue(p.Currency),
		Type:              types.StringValue(string(p.Type)),
		ConsumptionMethod: types.StringValue(string(p.ConsumptionMethod)),
		ISOCountryName:    types.StringValue(p.ISOCountryName),

		ReviewTime:              types.StringValue(string(p.ReviewTime)),
		CardState:               types.StringValue(string(p.CardState)),
		Note:                    types.StringValue(p.Note),
		Remarks:                 types.StringValue(p.Remarks),
		SupportedOperationTypes: types.StringValue(p.SupportedOperationTypes),
		SupportedPlatforms:      types.StringValue(p.SupportedPlatforms),
		CardImage:               types.StringValue(p.CardImage),
		TopUpTokens:             topUpTokensToModel(p.TopUpTokens),

		KYCRequiredWhileApplyCard: types.BoolValue(bool(p.KYCRequiredWhileApplyCard)),
		KYCRequirements:           types.StringPointerValue(p.KYCRequirements),
		KYCType:                   types.StringValue(string(p.KYCType)),
		NeedPhotoForActiveCard:    types.BoolValue(bool(p.NeedPhotoForActiveCard)),
		NeedPhotoForOperateCard:   types.BoolValue(bool(p.NeedPhotoForOperateCard)),
		EnvelopeNoRequired:        types.BoolValue(bool(p.EnvelopeNoRequired)),

		KYCRequiredFieldsAtApply:   atApply,
		KYCRequiredFieldsAtBinding: atBinding,
	}
	setProgramMoney(&m, p)
	return m
}

// setProgramMoney sets the program's fees and limits, as exact decimal strings.
func setProgramMoney(m *programDataSourceModel, p *cardsapi.Program) {
	m.CardFee = moneyValue(p.CardFee)
	m.CardOpeningFee = moneyValue(p.CardOpeningFee)
	m.FirstRechargeAmount = moneyValue(p.FirstRechargeAmount)
	m.CancellationFeeMin = moneyValue(p.CancellationFeeMin)
	m.CancellationFeeMax = moneyValue(p.CancellationFeeMax)
	m.FreightFee = moneyValue(p.FreightFee)
	m.RechargeFeeMin = moneyValue(p.RechargeFeeMin)
	m.RechargeFeeMax = moneyValue(p.RechargeFeeMax)
	m.TransactionFee = moneyValue(p.TransactionFee)
	m.ATMWithdrawalFee = moneyValue(p.ATMWithdrawalFee)
	m.MaintenanceFee = moneyValue(p.MaintenanceFee)
	m.ATMBalanceInquiryFee = moneyValue(p.ATMBalanceInquiryFee)

	m.MonthlyRechargeLimit = moneyValue(p.MonthlyRechargeLimit)
	m.DailyRechargeLimit = moneyValue(p.DailyRechargeLimit)
	m.SingleRechargeLimit = moneyValue(p.SingleRechargeLimit)
	m.PerPaymentLimit = moneyValue(p.PerPaymentLimit)
	m.ATMDailyWithdrawalLimit = moneyValue(p.ATMDailyWithdrawalLimit)
	m.SpendingLimit = moneyValue(p.SpendingLimit)
}

// topUpTokensToModel converts the program's deposit addresses; none is an empty list, not null.
func topUpTokensToModel(tokens []cardsapi.TopUpToken) []topUpTokenModel {
	out := make([]topUpTokenModel, 0, len(tokens))
	for _, t := range tokens {
		out = append(out, topUpTokenModel{
			Token: types.StringValue(t.Token), Network: types.StringValue(t.Network), Address: types.StringValue(t.Address),
		})
	}
	return out
}
