/**
 * An e-mail address a person types into the console (the data protection officer's, a
 * test send's recipient). Stricter than zod's own check, which takes domain labels that
 * end in a hyphen or hold `--`: the address is echoed back in answers the OpenAPI document
 * declares as `format: email`, and it must be one every validator of that format takes.
 * Local part: at most 64 of letters, digits and `_'+-.` (no leading, trailing or double
 * dot); domain: labels of letters, digits and inner hyphens (never two in a row), and a
 * top-level domain of letters.
 */
import { z } from 'zod';

const ADDRESS =
  /^(?=[^@]{1,64}@)(?!\.)(?!.*\.\.)[A-Za-z0-9_'+\-.]*[A-Za-z0-9_+-]@(?!.*--)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

export const emailAddress = () => z.email({ pattern: ADDRESS, error: 'an e-mail address, such as dpo@shop.example' }).max(254);
