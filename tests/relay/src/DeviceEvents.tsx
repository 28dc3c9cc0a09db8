import { useMemo } from 'react';
import { graphql, useSubscription } from 'react-relay';
import type { DeviceEventsSubscription } from './__generated__/DeviceEventsSubscription.graphql';

// Live changes of the fleet: each event carries the device, so the store updates its row.
export function useDeviceEvents(companyId: string | null) {
  const config = useMemo(
    () => ({
      subscription: graphql`
        subscription DeviceEventsSubscription($companyId: ID) {
          deviceEvents(companyId: $companyId) {
            cursor
            occurredAt
            kind
            device {
              ...DeviceRow_device
            }
          }
        }
      `,
      variables: { companyId },
    }),
    [companyId],
  );
  useSubscription<DeviceEventsSubscription>(config);
}
