/** p.20(3) "health and wellness": medical records, health insurance, medicines regulation, public health. */
import { curated } from "./curated.js";

export const HEALTH_WELLNESS = curated("health-wellness", "2026-11-26", [
  ["damumed.kz", "Damumed medical information system (appointments, records) used by clinics of Kazakhstan"],
  ["fms.kz", "Social Health Insurance Fund of Kazakhstan (compulsory health insurance)"],
  ["ndda.kz", "National Center for Expertise of Medicines and Medical Devices"],
  ["rcrz.kz", "Republican Center for Health Development"],
  ["who.int", "World Health Organization"],
  ["ecdc.europa.eu", "European Centre for Disease Prevention and Control"],
  ["cdc.gov", "US Centers for Disease Control and Prevention"],
  ["nih.gov", "US National Institutes of Health"],
  ["medlineplus.gov", "MedlinePlus health information (US National Library of Medicine)"],
  ["nhs.uk", "National Health Service (United Kingdom)"],
  ["mayoclinic.org", "Mayo Clinic patient information and portal"],
]);
