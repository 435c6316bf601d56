// Module tools pins the real docker-machine v0.16.2 CLI used by the e2e harness.
// Every dependency is required AND replaced at its Gopkg.lock revision so nothing
// drifts; never run 'go mod tidy' here.
module github.com/zchee/docker-machine-driver-xhyve/test/tools

go 1.21

require (
	github.com/docker/machine v0.16.2
	github.com/Azure/azure-sdk-for-go v5.0.0-beta+incompatible
	github.com/Azure/go-ansiterm v0.0.0-20170929234023-d6e3b3328b78
	github.com/Azure/go-autorest v7.2.1+incompatible
	github.com/aws/aws-sdk-go v1.4.10
	github.com/bugsnag/bugsnag-go v1.0.6-0.20151120182711-02e952891c52
	github.com/bugsnag/osext v0.0.0-20130617224835-0dd3f918b21b
	github.com/bugsnag/panicwrap v0.0.0-20160118154447-aceac81c6e2f
	github.com/cenkalti/backoff v0.0.0-20141124221459-9831e1e25c87
	github.com/codegangsta/cli v1.11.1-0.20151120215642-0302d3914d2a
	github.com/davecgh/go-spew v0.0.0-20151105211317-5215b55f46b2
	github.com/dgrijalva/jwt-go v3.0.1-0.20160831183534-24c63f56522a+incompatible
	github.com/digitalocean/godo v1.0.1-0.20170317202744-d59ed2fe842b
	github.com/docker/docker v0.0.0-20180621001606-093424bec097
	github.com/docker/go-units v0.2.1-0.20151230175859-0bbddae09c5a
	github.com/exoscale/egoscale v0.9.23
	github.com/go-ini/ini v0.0.0-20151124192405-03e0e7d51a13
	github.com/golang/protobuf v0.0.0-20160221214941-3c84672111d9
	github.com/google/go-querystring v0.0.0-20140804062624-30f7a39f4a21
	github.com/intel-go/cpuid v0.0.0-20181003105527-1a4a6f06a1c6
	github.com/jinzhu/copier v0.0.0-20180308034124-7e38e58719c3
	github.com/jmespath/go-jmespath v0.0.0-20151117175822-3433f3ea46d9
	github.com/mitchellh/mapstructure v0.0.0-20140721150620-740c764bc614
	github.com/pmezard/go-difflib v1.0.0
	github.com/rackspace/gophercloud v1.0.1-0.20150408191457-ce0f487f6747
	github.com/samalba/dockerclient v0.0.0-20151231000007-f661dd4754aa
	github.com/sirupsen/logrus v1.0.4
	github.com/skarademir/naturalsort v0.0.0-20150715044055-69a5d87bef62
	github.com/stretchr/objx v0.0.0-20150928122152-1a9d0bb9f541
	github.com/stretchr/testify v1.1.4-0.20160221104443-1f4a1643a57e
	github.com/tent/http-link-go v0.0.0-20130702225549-ac974c61c2f9
	github.com/vmware/govcloudair v0.0.2
	github.com/vmware/govmomi v0.6.2
	golang.org/x/crypto v0.0.0-20170704135851-51714a8c4ac1
	golang.org/x/net v0.0.0-20151121034339-4f2fc6c1e69d
	golang.org/x/oauth2 v0.0.0-20151117210313-442624c9ec92
	golang.org/x/sys v0.0.0-20180202135801-37707fdb30a5
	google.golang.org/api v0.0.0-20180213000552-87a2f5c77b36
	google.golang.org/appengine v0.0.0-20160205025855-6a436539be38
	google.golang.org/cloud v0.0.0-20151119220103-975617b05ea8
)

replace (
	github.com/docker/machine => github.com/docker/machine v0.16.2
	github.com/Azure/azure-sdk-for-go => github.com/Azure/azure-sdk-for-go v5.0.0-beta+incompatible
	github.com/Azure/go-ansiterm => github.com/Azure/go-ansiterm v0.0.0-20170929234023-d6e3b3328b78
	github.com/Azure/go-autorest => github.com/Azure/go-autorest v7.2.1+incompatible
	github.com/aws/aws-sdk-go => github.com/aws/aws-sdk-go v1.4.10
	github.com/bugsnag/bugsnag-go => github.com/bugsnag/bugsnag-go v1.0.6-0.20151120182711-02e952891c52
	github.com/bugsnag/osext => github.com/bugsnag/osext v0.0.0-20130617224835-0dd3f918b21b
	github.com/bugsnag/panicwrap => github.com/bugsnag/panicwrap v0.0.0-20160118154447-aceac81c6e2f
	github.com/cenkalti/backoff => github.com/cenkalti/backoff v0.0.0-20141124221459-9831e1e25c87
	github.com/codegangsta/cli => github.com/codegangsta/cli v1.11.1-0.20151120215642-0302d3914d2a
	github.com/davecgh/go-spew => github.com/davecgh/go-spew v0.0.0-20151105211317-5215b55f46b2
	github.com/dgrijalva/jwt-go => github.com/dgrijalva/jwt-go v3.0.1-0.20160831183534-24c63f56522a+incompatible
	github.com/digitalocean/godo => github.com/digitalocean/godo v1.0.1-0.20170317202744-d59ed2fe842b
	github.com/docker/docker => github.com/docker/docker v0.0.0-20180621001606-093424bec097
	github.com/docker/go-units => github.com/docker/go-units v0.2.1-0.20151230175859-0bbddae09c5a
	github.com/exoscale/egoscale => github.com/exoscale/egoscale v0.9.23
	github.com/go-ini/ini => github.com/go-ini/ini v0.0.0-20151124192405-03e0e7d51a13
	github.com/golang/protobuf => github.com/golang/protobuf v0.0.0-20160221214941-3c84672111d9
	github.com/google/go-querystring => github.com/google/go-querystring v0.0.0-20140804062624-30f7a39f4a21
	github.com/intel-go/cpuid => github.com/intel-go/cpuid v0.0.0-20181003105527-1a4a6f06a1c6
	github.com/jinzhu/copier => github.com/jinzhu/copier v0.0.0-20180308034124-7e38e58719c3
	github.com/jmespath/go-jmespath => github.com/jmespath/go-jmespath v0.0.0-20151117175822-3433f3ea46d9
	github.com/mitchellh/mapstructure => github.com/mitchellh/mapstructure v0.0.0-20140721150620-740c764bc614
	github.com/pmezard/go-difflib => github.com/pmezard/go-difflib v1.0.0
	github.com/rackspace/gophercloud => github.com/rackspace/gophercloud v1.0.1-0.20150408191457-ce0f487f6747
	github.com/samalba/dockerclient => github.com/samalba/dockerclient v0.0.0-20151231000007-f661dd4754aa
	github.com/sirupsen/logrus => github.com/sirupsen/logrus v1.0.4
	github.com/skarademir/naturalsort => github.com/skarademir/naturalsort v0.0.0-20150715044055-69a5d87bef62
	github.com/stretchr/objx => github.com/stretchr/objx v0.0.0-20150928122152-1a9d0bb9f541
	github.com/stretchr/testify => github.com/stretchr/testify v1.1.4-0.20160221104443-1f4a1643a57e
	github.com/tent/http-link-go => github.com/tent/http-link-go v0.0.0-20130702225549-ac974c61c2f9
	github.com/vmware/govcloudair => github.com/vmware/govcloudair v0.0.2
	github.com/vmware/govmomi => github.com/vmware/govmomi v0.6.2
	golang.org/x/crypto => golang.org/x/crypto v0.0.0-20170704135851-51714a8c4ac1
	golang.org/x/net => golang.org/x/net v0.0.0-20151121034339-4f2fc6c1e69d
	golang.org/x/oauth2 => golang.org/x/oauth2 v0.0.0-20151117210313-442624c9ec92
	golang.org/x/sys => golang.org/x/sys v0.0.0-20180202135801-37707fdb30a5
	google.golang.org/api => google.golang.org/api v0.0.0-20180213000552-87a2f5c77b36
	google.golang.org/appengine => google.golang.org/appengine v0.0.0-20160205025855-6a436539be38
	google.golang.org/cloud => google.golang.org/cloud v0.0.0-20151119220103-975617b05ea8
)
