# Static numberd binary (no cgo) on a minimal image.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/numberd ./server && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/numberd /numberd
COPY --from=build --chown=65532:65532 /out/data /data
ENV NUMBERD_LISTEN=0.0.0.0:8000 NUMBERD_DB=sqlite:/data/numberd.db
VOLUME ["/data"]
EXPOSE 8000
ENTRYPOINT ["/numberd", "serve"]
