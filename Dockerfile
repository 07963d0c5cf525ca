# servebench container image: the static binary alone, FROM scratch, run as a
# non-root user. No base image is pulled, so it builds without a registry.
# Build the binary on the host into a fresh build context, then the image:
#
#   ctx=$(mktemp -d) && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$ctx/servebench" ./cmd/servebench && cp /etc/ssl/certs/ca-certificates.crt "$ctx/"
#   docker build -f Dockerfile -t servebench:dev "$ctx"
#
# CGO_ENABLED=0 makes the binary static (no libc in the image); -trimpath
# keeps the build machine's paths out of it; -s -w drops the symbol and
# debug tables (36.7 MB -> 26.1 MB; panics still print their stack). The
# CA bundle is the build host's (Debian's ca-certificates): servebench
# verifies https servers against it, and refreshing it is rebuilding the
# image. A separate context
# keeps the repository (scenarios, results) out of the daemon; .dockerignore
# guards a build that uses the repository as its context anyway.
FROM scratch
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY servebench /servebench
# 65532: the "nonroot" user of distroless images; the Kubernetes manifests
# of `servebench kube` run the pods as the same user.
USER 65532:65532
ENTRYPOINT ["/servebench"]
