import { type FormEvent, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type ApiErrorInfo, type Inputs, errorInfo } from "../api.ts";
import { useOrg, useSigned } from "../context.ts";
import { formatDate, formatMoney, useI18n } from "../i18n.ts";
import { Field } from "../form.tsx";
import { ErrorNote, Loading, Section, shortId } from "../ui.tsx";

type CreateInput = Inputs["configs"]["create"];
type PeriodType = CreateInput["periodType"];
const PERIOD_TYPES: PeriodType[] = ["calendar_year", "half_year", "quarter", "month"];

/** Spec 002's business rules, checked on the server, each shown at the field it is about. */
const FIELD_OF_RULE: Record<string, keyof Draft> = {
  unique_threshold_count_per_org_period: "thresholdCount",
  ascending_honorarium_with_tier: "tierOrder",
  no_retroactive_effective_date: "effectiveFrom",
  effective_until_after_from: "effectiveUntil",
  threshold_count_positive: "thresholdCount",
  honorarium_amount_non_negative: "honorariumAmount",
  currency_iso_format: "currency",
  valid_period_type_enum: "periodType",
  name_not_blank: "name",
  tier_order_non_negative: "tierOrder",
};

interface Draft {
  name: string;
  thresholdCount: string;
  honorariumAmount: string;
  currency: string;
  periodType: PeriodType;
  tierOrder: string;
  effectiveFrom: string;
  effectiveUntil: string;
  isCumulative: boolean;
}

const EMPTY: Draft = {
  name: "",
  thresholdCount: "",
  honorariumAmount: "",
  currency: "NOK",
  periodType: "calendar_year",
  tierOrder: "",
  effectiveFrom: "",
  effectiveUntil: "",
  isCumulative: false,
};

/** datetime-local (the browser's local time) → ISO instant; "" stays "" so the server names the field. */
const instant = (local: string): string => (local === "" ? "" : new Date(local).toISOString());
const numberOf = (text: string): number => (text.trim() === "" ? Number.NaN : Number(text));

export function fieldErrorsOf(info: ApiErrorInfo): Partial<Record<keyof Draft | "form", string>> {
  const errors: Partial<Record<keyof Draft | "form", string>> = {};
  for (const [path, messages] of Object.entries(info.fieldErrors)) {
    const field = path.split(".").at(-1) ?? path;
    const key = field in EMPTY ? (field as keyof Draft) : "form";
    errors[key] = messages.join(" ");
  }
  if (info.rule !== null) {
    const key = FIELD_OF_RULE[info.rule] ?? "form";
    errors[key] = info.message;
  }
  if (Object.keys(errors).length === 0) errors.form = [...info.formErrors, info.message].join(" ");
  return errors;
}

export function Thresholds() {
  const { api } = useSigned();
  const { t, locale } = useI18n();
  const org = useOrg();
  const queryClient = useQueryClient();
  const configs = useQuery({ queryKey: ["configs.list"], queryFn: () => api.configs.list.query({}) });
  const audit = useQuery({ queryKey: ["configs.auditLog"], queryFn: () => api.configs.auditLog.query({}) });
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [errors, setErrors] = useState<Partial<Record<keyof Draft | "form", string>>>({});
  const [saved, setSaved] = useState(false);
  const refresh = () => queryClient.invalidateQueries({ predicate: (q) => String(q.queryKey[0]).startsWith("configs.") });
  const create = useMutation({
    mutationFn: () =>
      api.configs.create.mutate({
        name: draft.name,
        thresholdCount: numberOf(draft.thresholdCount),
        honorariumAmount: draft.honorariumAmount,
        currency: draft.currency,
        periodType: draft.periodType,
        tierOrder: numberOf(draft.tierOrder),
        effectiveFrom: instant(draft.effectiveFrom),
        effectiveUntil: draft.effectiveUntil === "" ? null : instant(draft.effectiveUntil),
        isCumulative: draft.isCumulative,
      }),
    onSuccess: () => {
      setErrors({});
      setSaved(true);
      setDraft(EMPTY);
      void refresh();
    },
    onError: (error) => {
      setSaved(false);
      setErrors(fieldErrorsOf(errorInfo(error)));
    },
  });
  const deactivate = useMutation({
    mutationFn: (id: string) => api.configs.deactivate.mutate({ id }),
    onSettled: () => void refresh(),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft({ ...draft, [key]: value });
  const text = (key: Exclude<keyof Draft, "isCumulative" | "periodType">, label: string, type = "text") => (
    <Field id={`cfg-${key}`} label={label} error={errors[key]}>
      {(props) => <input {...props} type={type} value={draft[key]} onChange={(e) => set(key, e.target.value)} />}
    </Field>
  );
  return (
    <>
      <h1>{t.thresholdsTitle}</h1>
      <Section title={t.navThresholds} id="configs">
        {configs.isPending ? (
          <Loading />
        ) : configs.isError ? (
          <ErrorNote error={configs.error} />
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">{t.name}</th>
                <th scope="col">{t.thresholdCount}</th>
                <th scope="col">{t.honorariumAmount}</th>
                <th scope="col">{t.periodType}</th>
                <th scope="col">{t.effectiveFrom}</th>
                <th scope="col">{t.status}</th>
                <th scope="col">
                  <span className="visually-hidden">{t.deactivate}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {configs.data.configs.map((config) => (
                <tr key={config.id}>
                  <td>{config.name}</td>
                  <td>{config.thresholdCount}</td>
                  <td>{formatMoney(config.honorariumAmount, config.currency, locale)}</td>
                  <td>{t.periodTypes[config.periodType] ?? config.periodType}</td>
                  <td>{formatDate(config.effectiveFrom, locale, org.timeZone)}</td>
                  <td>{config.isActive ? t.active : t.inactive}</td>
                  <td>
                    {config.isActive && (
                      <button type="button" onClick={() => deactivate.mutate(config.id)} aria-label={`${t.deactivate} ${config.name}`}>
                        {t.deactivate}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {deactivate.isError && (
          <p role="alert" className="error">
            {errorInfo(deactivate.error).message}
          </p>
        )}
      </Section>
      <Section title={t.newTier} id="new-tier">
        <form onSubmit={submit} noValidate className="grid-form">
          {text("name", t.name)}
          {text("thresholdCount", t.thresholdCount, "number")}
          {text("honorariumAmount", t.honorariumAmount)}
          {text("currency", t.currency)}
          <Field id="cfg-periodType" label={t.periodType} error={errors.periodType}>
            {(props) => (
              <select
                {...props}
                value={draft.periodType}
                onChange={(e) => set("periodType", PERIOD_TYPES.find((p) => p === e.target.value) ?? "calendar_year")}
              >
                {PERIOD_TYPES.map((p) => (
                  <option key={p} value={p}>
                    {t.periodTypes[p] ?? p}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {text("tierOrder", t.tierOrder, "number")}
          {text("effectiveFrom", t.effectiveFrom, "datetime-local")}
          {text("effectiveUntil", t.effectiveUntil, "datetime-local")}
          <div className="field checkbox">
            <input
              id="cfg-isCumulative"
              type="checkbox"
              checked={draft.isCumulative}
              onChange={(e) => set("isCumulative", e.target.checked)}
            />
            <label htmlFor="cfg-isCumulative">{t.isCumulative}</label>
          </div>
          {errors.form !== undefined && (
            <p role="alert" className="error">
              {errors.form}
            </p>
          )}
          <div role="status">{saved && <p className="ok-note">{t.saved}</p>}</div>
          <button type="submit" className="primary" disabled={create.isPending}>
            {t.save}
          </button>
        </form>
      </Section>
      <Section title={t.auditTitle} id="audit">
        {audit.isPending ? (
          <Loading />
        ) : audit.isError ? (
          <ErrorNote error={audit.error} />
        ) : audit.data.entries.length === 0 ? (
          <p>{t.none}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">{t.when}</th>
                <th scope="col">{t.who}</th>
                <th scope="col">{t.what}</th>
                <th scope="col">{t.tier}</th>
              </tr>
            </thead>
            <tbody>
              {audit.data.entries.map((entry) => (
                <tr key={entry.id}>
                  <td>{formatDate(entry.occurredAt, locale, org.timeZone)}</td>
                  <td>{shortId(entry.actorId)}</td>
                  <td>
                    {entry.action}
                    {entry.overrideReason !== null ? ` (${entry.overrideReason})` : ""}
                  </td>
                  <td>{shortId(entry.configId)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </>
  );
}
