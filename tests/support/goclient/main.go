// goclient: a real AWS SDK client for the aws-as integration tests.
//
// It uses aws-sdk-go v1 (Debian's golang-github-aws-aws-sdk-go-dev, built with GOPATH=/usr/share/gocode
// GO111MODULE=off) with the default credential chain, so it picks up AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN exactly as any Go program would, calls
// sts:GetCallerIdentity and prints the caller ARN on one line. On error it prints the error to
// stderr and exits 1.
//
// With the argument `sdk-region` it sets no region of its own and leaves the region to the SDK,
// as a Go program that sets none does: AWS_REGION, else (with AWS_SDK_LOAD_CONFIG=1, without
// which aws-sdk-go v1 reads no region from any file) the profile's `region` in the shared config
// or credentials file; none gives MissingRegion.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/aws/session"
	"github.com/aws/aws-sdk-go/service/sts"
)

func firstEnv(names ...string) string {
	for _, name := range names {
		if v := os.Getenv(name); v != "" {
			return v
		}
	}
	return ""
}

func main() {
	cfg := aws.NewConfig().WithMaxRetries(0)
	if len(os.Args) < 2 || os.Args[1] != "sdk-region" {
		region := firstEnv("AWS_REGION", "AWS_DEFAULT_REGION")
		if region == "" {
			region = "us-east-1"
		}
		cfg = cfg.WithRegion(region)
	}
	// aws-sdk-go 1.44.133 predates service-specific endpoint variables: it does not know
	// AWS_ENDPOINT_URL_STS (nor AWS_ENDPOINT_URL), so read them here and set the endpoint
	// explicitly. Newer SDKs do this themselves.
	if endpoint := firstEnv("AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"); endpoint != "" {
		cfg = cfg.WithEndpoint(endpoint)
	}
	sess, err := session.NewSession(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "goclient: session:", err)
		os.Exit(1)
	}
	out, err := sts.New(sess).GetCallerIdentity(&sts.GetCallerIdentityInput{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "goclient: GetCallerIdentity:", err)
		os.Exit(1)
	}
	fmt.Println(aws.StringValue(out.Arn))
}
