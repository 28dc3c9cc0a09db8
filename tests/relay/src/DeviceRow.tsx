import { graphql, useFragment } from 'react-relay';
import type { DeviceRow_device$key } from './__generated__/DeviceRow_device.graphql';

// One row of a device list; what the list and the mutations that return a device spread.
export function DeviceRow({ device }: { device: DeviceRow_device$key }) {
  const row = useFragment(
    graphql`
      fragment DeviceRow_device on Device {
        id
        serialNumber
        name
        model
        status
        datapoints
        paidUntil
        account {
          id
          name
        }
      }
    `,
    device,
  );
  return row;
}
