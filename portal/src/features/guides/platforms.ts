/** The platforms of the root-certificate installation guide and the number of steps each one takes. */
export const GUIDE_PLATFORMS = ["windows", "macos", "firefox", "debian", "rhel"] as const;
export type Platform = (typeof GUIDE_PLATFORMS)[number];
export const GUIDE_STEPS: Record<Platform, number> = { windows: 4, macos: 4, firefox: 4, debian: 3, rhel: 3 };
