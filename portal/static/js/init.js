// Starts GOV.UK Frontend's components; pages work without it.
import { initAll } from "../vendor/govuk/govuk-frontend.min.js";
initAll();
