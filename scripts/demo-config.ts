// Fixed identifiers and the development webhook secret shared by the demo stream and receiver.
export const DEMO = {
  organizationId: "b1ade000-0000-4000-8000-000000000001",
  scopeId: "b1ade000-0000-4000-8000-0000000000a1",
  coordinatorId: "b1ade000-0000-4000-8000-0000000000c1",
  adminId: "b1ade000-0000-4000-8000-0000000000ad",
  mentors: {
    kari: "b1ade000-0000-4000-8000-00000000aa01",
    ola: "b1ade000-0000-4000-8000-00000000aa02",
  },
  // Development only: whsec_ + base64 of 32 fixed bytes.
  webhookSecret: `whsec_${Buffer.alloc(32, 7).toString("base64")}`,
  webhookPort: Number(process.env.DEMO_WEBHOOK_PORT ?? 9470),
} as const;
