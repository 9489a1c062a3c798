#!/usr/bin/env node
console.log('atrous');
