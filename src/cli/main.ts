// Placeholder until the command lands: boots nothing yet.
console.log('pageframe: the demo is being built');
