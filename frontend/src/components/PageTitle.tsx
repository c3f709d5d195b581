/** The browser tab's title for a screen: `Projects · TaskFlow`. React hoists it into the head. */
export function PageTitle({ children }: { children: string }) {
  return <title>{`${children} · TaskFlow`}</title>;
}
