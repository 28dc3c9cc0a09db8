import { graphql, useMutation } from 'react-relay';
import type { DeviceFormsRegisterMutation } from './__generated__/DeviceFormsRegisterMutation.graphql';
import type { DeviceFormsRenameMutation } from './__generated__/DeviceFormsRenameMutation.graphql';

// Mutations answer a union: the payload, or a typed error read through the Error interface
// (and its concrete types for their extra fields). A new device goes on top of the list.
export function useRegisterDevice() {
  return useMutation<DeviceFormsRegisterMutation>(graphql`
    mutation DeviceFormsRegisterMutation($input: DeviceRegisterInput!, $connections: [ID!]!) {
      deviceRegister(input: $input) {
        __typename
        ... on DevicePayload {
          device @prependNode(connections: $connections, edgeTypeName: "DeviceEdge") {
            id
            ...DeviceRow_device
          }
        }
        ... on Error {
          code
          field
          message
        }
        ... on ValidationError {
          minimum
          maximum
          inUse
          available
        }
      }
    }
  `);
}

export function useRenameDevice() {
  return useMutation<DeviceFormsRenameMutation>(graphql`
    mutation DeviceFormsRenameMutation($input: DeviceRenameInput!) {
      deviceRename(input: $input) {
        __typename
        ... on DevicePayload {
          device {
            ...DeviceRow_device
          }
        }
        ... on Error {
          code
          field
          message
        }
      }
    }
  `);
}
