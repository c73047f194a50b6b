import type { ReactNode } from "react";

/** A labelled field with its error shown at the field (aria-invalid, aria-describedby). */
export function Field({
  id,
  label,
  error,
  children,
}: {
  id: string;
  label: string;
  error: string | undefined;
  children: (props: FieldProps) => ReactNode;
}) {
  const errorId = `${id}-error`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, "aria-invalid": error !== undefined, "aria-describedby": error !== undefined ? errorId : undefined })}
      {error !== undefined && (
        <p id={errorId} className="field-error" data-field-error={id}>
          {error}
        </p>
      )}
    </div>
  );
}

export interface FieldProps {
  id: string;
  "aria-invalid": boolean;
  "aria-describedby": string | undefined;
}
