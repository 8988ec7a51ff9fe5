/**
 * The raw-SDK baseline's activities: an admission that does nothing but be a local
 * activity, and a send straight through nodemailer with the pool Itinera's mailer uses
 * (four connections). No database: what is left is Temporal's cost and the sink's.
 */
import nodemailer from 'nodemailer';

export interface RawSdkActivityDeps {
  smtpUrl: string;
  /** Called with the person on every admission (a retried one too: the caller counts people). */
  admitted: (person: number) => void;
}

export function createRawSdkActivities({ smtpUrl, admitted }: RawSdkActivityDeps) {
  const transport = nodemailer.createTransport({ url: smtpUrl, pool: true, maxConnections: 4 });
  return {
    activities: {
      async admit(person: number): Promise<void> {
        admitted(person);
      },
      async sendChapter(recipient: string, chapter: number): Promise<void> {
        await transport.sendMail({
          from: 'Raw <raw@bench.example>',
          to: recipient,
          subject: `Chapter ${chapter}`,
          html: `<p>Chapter ${chapter}</p>`,
        });
      },
    },
    close: () => transport.close(),
  };
}

export type RawSdkActivities = ReturnType<typeof createRawSdkActivities>['activities'];
