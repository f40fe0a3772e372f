#!/bin/sh
set -eu
kubeadm join k8s.lumen.test:6443 --token 5uc735.obebblgmn416iwja \
  --discovery-token-ca-cert-hash sha256:${CA_CERT_HASH}
