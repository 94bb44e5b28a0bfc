// Each test starts a server, HAProxy, several instances and a load generator on a 2-core machine:
// run them one at a time so that none starves another's probes and deadlines.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
